import Core
import Foundation
import Wire

#if canImport(Glibc)
    import Glibc
#endif

/// Asks for a passphrase on the controlling terminal with echo off.
enum TerminalPassphrase {
    /// The typed line without its newline, or nil when there is no terminal.
    static func read(prompt: String) -> SecureBytes? {
        let tty = open("/dev/tty", O_RDWR | O_CLOEXEC)
        guard tty >= 0 else { return nil }
        defer { close(tty) }
        var saved = termios()
        guard tcgetattr(tty, &saved) == 0 else { return nil }
        var silent = saved
        silent.c_lflag &= ~tcflag_t(ECHO)
        _ = tcsetattr(tty, TCSAFLUSH, &silent)
        defer {
            _ = tcsetattr(tty, TCSAFLUSH, &saved)
            _ = Glibc.write(tty, "\n", 1)
        }
        // The prompt may name a security key as the key itself reports it.
        _ = TerminalSafeText(prompt).description.withCString { Glibc.write(tty, $0, strlen($0)) }
        var line = [UInt8]()
        // Room for the longest passphrase up front: a reallocation would leave a copy behind.
        line.reserveCapacity(PassphraseSource.maximumByteCount + 1)
        defer { ConstantTime.wipe(&line) }
        var byte: UInt8 = 0
        while line.count <= PassphraseSource.maximumByteCount {
            let n = Glibc.read(tty, &byte, 1)
            if n < 0 && errno == EINTR { continue }
            guard n == 1, byte != UInt8(ascii: "\n"), byte != UInt8(ascii: "\r") else { break }
            line.append(byte)
        }
        byte = 0
        return SecureBytes(copying: line)
    }
}
