import Core
import CoreTesting
import Foundation
import Wire

// Usage: CacheCrashHelper CACHE-PATH ACCOUNT ROOT-HEX KEY-ID-HEX DEVICE-HEX
// Writes a conversation and one message per round, and prints "conversation-id message-id"
// only after both are committed; the crash test kills it at random and checks every printed
// pair survived.
let arguments = CommandLine.arguments
guard arguments.count == 6 else {
    FileHandle.standardError.write(Data("usage: CacheCrashHelper PATH ACCOUNT ROOT KEY-ID DEVICE\n".utf8))
    exit(64)
}
do {
    let keys = TestRecordKeys(
        root: SecureBytes(copying: try Hex.decode(arguments[3])),
        keyID: try RecordKeyID(bytes: Hex.decode(arguments[4])))
    let cache = try LocalCache(path: arguments[1], account: try AccountID(arguments[2]))
    let store = try HistoryStore(cache: cache, keys: keys, device: try DeviceID(arguments[5]))
    guard store.corrupt.isEmpty else {
        FileHandle.standardError.write(Data("corrupt records after restart: \(store.corrupt.count)\n".utf8))
        exit(2)
    }
    while true {
        let id = RecordID.random()
        let now = Date()
        try store.save(
            conversation: ConversationRecord(
                title: CrashRecords.title(for: id), createdAt: now, updatedAt: now, clock: store.tick()),
            id: id)
        let message = try store.append(
            message: MessageRecord(
                conversationID: id, role: .user, content: CrashRecords.content(for: id), time: now, clock: store.tick())
        )
        // An unbuffered write straight to the file: a line is there as soon as it is printed.
        FileHandle.standardOutput.write(Data("\(id) \(message)\n".utf8))
    }
} catch {
    FileHandle.standardError.write(Data("\(error)\n".utf8))
    exit(1)
}
