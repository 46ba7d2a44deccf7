/// Draws the access screens: a header naming the server (and, in warning colour, when its
/// attestation is simulated), one centred box for the step, and the security key's PIN or
/// touch prompt over it. Secrets show as dots, except the recovery key the user must read.
public enum AccessView {
    static let boxWidth = 72

    public static func render(_ model: AccessModel) -> ScreenBuffer {
        var buffer = ScreenBuffer(size: model.size)
        let size = model.size
        guard size.columns >= Layout.minimumSize.columns, size.rows >= Layout.minimumSize.rows else {
            AppView.drawTooSmall(into: &buffer)
            return buffer
        }
        drawHeader(model, into: &buffer)
        let inner = min(boxWidth, size.columns - 2) - 4
        var (title, body) = content(model, width: inner)
        // On a short terminal the fields matter more than the words above them: a form's first
        // paragraph goes first.
        if body.count + 2 > size.rows - 2, model.screen.hasForm, let blank = body.firstIndex(of: StyledLine()) {
            body.removeFirst(blank + 1)
        }
        OverlayView.drawBox(title: title, lines: body, preferredWidth: boxWidth, into: &buffer)
        if let pin = model.pin {
            let warning = pin.retriesLeft <= 3 ? "\(pin.retriesLeft) tries left before the key locks its PIN" : nil
            var lines = [field("PIN: ", masked(pin.pin), active: true)]
            if let warning { lines.append(StyledLine(warning, role: .statusWarning)) }
            lines.append(StyledLine("Enter: continue   Esc: cancel", role: .muted))
            OverlayView.drawBox(
                title: "Security key PIN" + (pin.product.isEmpty ? "" : " — \(pin.product)"), lines: lines,
                preferredWidth: 56, into: &buffer)
        } else if let touch = model.touch {
            OverlayView.drawBox(
                title: "Security key", lines: [StyledLine(touch, role: .overlay, attributes: .bold)],
                preferredWidth: 56, into: &buffer)
        }
        return buffer
    }

    private static func drawHeader(_ model: AccessModel, into buffer: inout ScreenBuffer) {
        let width = buffer.size.columns
        buffer.fill(Rect(x: 0, y: 0, width: width, height: 1), role: .status)
        var x = buffer.put(" Sotto", x: 0, y: 0, role: .status, attributes: .bold)
        guard let situation = model.situation else { return }
        x = buffer.put("  " + situation.server, x: x, y: 0, role: .status)
        if situation.simulated {
            buffer.put("  DEV: simulated attestation", x: x, y: 0, role: .statusWarning, attributes: .bold)
        }
        let hint = "Ctrl-Q quits "
        buffer.put(hint, x: max(0, width - DisplayWidth.of(hint)), y: buffer.size.rows - 1, role: .muted)
    }

    /// The box's title and lines for the current step.
    static func content(_ model: AccessModel, width: Int) -> (String, [StyledLine]) {
        func text(_ string: String, _ role: Role = .overlay) -> [StyledLine] {
            TextWrapper.wrap([Span(string, role: role)], width: width)
        }
        func error(_ message: String?) -> [StyledLine] {
            message.map { [StyledLine()] + text($0, .statusError) } ?? []
        }
        let software = model.situation.map(isSoftware) ?? false
        switch model.screen {
        case .starting:
            return ("Sotto", text("Starting…", .muted))
        case .welcome(let selection):
            var lines = text(
                "This device has no account yet. Your passkey unlocks your history; nobody else can read it, not even the server's operator."
            )
            lines.append(StyledLine())
            for (index, choice) in AccessUpdate.welcomeChoices.enumerated() {
                let role: Role = index == selection ? .overlaySelected : .overlay
                lines.append(
                    StyledLine(
                        [Span((index == selection ? "› " : "  ") + "\(index + 1)  " + choice, role: role)],
                        fillRole: role))
            }
            lines.append(StyledLine())
            lines += text(passkeyNote(model.situation), .muted)
            lines.append(StyledLine("↑↓ choose   Enter: continue", role: .muted))
            return ("Welcome to Sotto", lines)
        case .newPassphrase(let form):
            var lines = text(
                "Choose a passphrase for the software passkey kept on this device. It cannot be reset: without it (or your recovery key) the history stays locked."
            )
            lines.append(StyledLine())
            lines.append(field("Passphrase:      ", masked(form.first), active: form.field == 0))
            lines.append(field("Same again:      ", masked(form.second), active: form.field == 1))
            lines += error(form.error)
            lines.append(StyledLine())
            lines.append(StyledLine("Enter: next   Tab: switch field   Esc: back", role: .muted))
            return ("New software passkey", lines)
        case .login(let form):
            var lines = text("Log in with a software passkey of your account (copy its file from your other device).")
            lines.append(StyledLine())
            lines.append(field("Passkey file: ", form.path.text, active: form.field == 0))
            if !form.passphraseGiven {
                lines.append(field("Passphrase:   ", masked(form.passphrase), active: form.field == 1))
            }
            lines += error(form.error)
            lines.append(StyledLine())
            lines.append(StyledLine("Enter: next   Tab: switch field   Esc: back", role: .muted))
            return ("Log in", lines)
        case .recoveryEntry(let form):
            var lines = text("Type the recovery key you wrote down (dashes and spaces are optional).")
            lines.append(StyledLine())
            lines += TextWrapper.wrap(
                [
                    Span("Recovery key: ", role: .overlayTitle, attributes: .bold),
                    Span(form.key.revealedText() + "▏", role: .overlay),
                ],
                width: width)
            lines += error(form.error)
            lines.append(StyledLine())
            lines.append(StyledLine("Enter: continue   Esc: back", role: .muted))
            return ("Recover your account", lines)
        case .unlock(let form):
            var lines = text("Type the passphrase of this device's software passkey.")
            lines.append(StyledLine())
            lines.append(field("Passphrase: ", masked(form.passphrase), active: true))
            lines += error(form.error)
            return ("Unlock — software passkey", lines)
        case .working(let title, _):
            var lines = text(title)
            if model.touch == nil, case .securityKey = model.situation?.passkey {
                lines += text("Your security key may ask for its PIN and a touch.", .muted)
            }
            lines.append(StyledLine())
            lines.append(StyledLine("Esc: cancel", role: .muted))
            return (software ? "Software passkey" : "Sotto", lines)
        case .recoveryKey(let shown):
            var lines = text(
                "Your recovery key. Write it down now and keep it away from this computer. It is shown only this once; it restores your history if you lose your passkey, and anyone who has it can read your history."
            )
            lines.append(StyledLine())
            let groups = shown.key.revealedText().split(separator: "-").map(String.init)
            // Two rows of seven groups where they fit, as the user copies them.
            let perLine = min(7, max(1, (width - 2 + 1) / 5))
            for start in stride(from: 0, to: groups.count, by: perLine) {
                let row = groups[start..<min(groups.count, start + perLine)].joined(separator: "-")
                lines.append(StyledLine([Span("  " + row, role: .overlayTitle, attributes: .bold)]))
            }
            lines.append(StyledLine())
            lines += text("To confirm you wrote it down, type its last group (4 characters).")
            lines.append(field("Last group: ", shown.confirmation.text, active: true))
            lines += error(shown.error)
            return ("Recovery key — shown once", lines)
        case .failed(let message, _):
            var lines = text(message, .statusError)
            lines.append(StyledLine())
            lines.append(StyledLine("Enter: back   Ctrl-Q: quit", role: .muted))
            return ("Something went wrong", lines)
        }
    }

    private static func isSoftware(_ situation: AccessSituation) -> Bool {
        if case .softwarePasskey = situation.passkey { return true }
        return false
    }

    private static func passkeyNote(_ situation: AccessSituation?) -> String {
        switch situation?.passkey {
        case .securityKey(let product):
            "Passkey: the security key " + (product.isEmpty ? "plugged in" : "“\(product)”") + " (libfido2)."
        case .softwarePasskey:
            "Passkey: no security key is plugged in, so a software passkey sealed with a passphrase is kept on this device (not hardware-backed)."
        case nil:
            ""
        }
    }

    private static func field(_ label: String, _ value: String, active: Bool) -> StyledLine {
        StyledLine([
            Span(label, role: .overlayTitle, attributes: active ? .bold : []),
            Span(value + (active ? "▏" : ""), role: .overlay),
        ])
    }

    private static func masked(_ field: SecretField) -> String {
        String(repeating: "•", count: min(field.characterCount, 40))
    }
}

extension AccessModel.Screen {
    /// The screen asks for something (a choice, a field), below a paragraph that explains it.
    var hasForm: Bool {
        switch self {
        case .welcome, .newPassphrase, .login, .recoveryEntry, .unlock, .recoveryKey: true
        case .starting, .working, .failed: false
        }
    }
}
