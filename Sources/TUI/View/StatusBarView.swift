/// The bottom line: lock state, server, what attestation proved, model, speed, sync, hints.
/// What must never be missed (a simulated or refused attestation) comes first.
enum StatusBarView {
    static func draw(_ model: AppModel, in rect: Rect, into buffer: inout ScreenBuffer) {
        buffer.fill(rect, role: .status)
        guard !rect.isEmpty else { return }
        let status = model.status
        // (segment, priority): the lowest priorities go first when the line is too short;
        // lock state and what attestation proved (priority 0) always stay.
        var segments: [(Span, Int)] = []
        switch status.lock {
        case .locked: segments.append((Span("locked", role: .statusWarning, attributes: .bold), 0))
        case .unlocked: segments.append((Span("unlocked", role: .statusGood), 0))
        }
        if let label = status.softwareLabel { segments.append((Span(label, role: .statusWarning), 0)) }
        switch status.attestation {
        case .unverified:
            segments.append((Span("not verified", role: .statusWarning), 0))
        case .verified(let platform, let measurement, let simulated):
            if simulated {
                segments.append((Span("DEV: simulated attestation", role: .statusWarning, attributes: .bold), 0))
            }
            segments.append((Span("✓ \(platform) \(measurement.prefix(8))", role: .statusGood), 0))
        case .failed(let code):
            segments.append((Span("✗ refused \(code)", role: .statusError, attributes: .bold), 0))
        }
        if !status.server.isEmpty { segments.append((Span(status.server, role: .status), 3)) }
        if !status.model.isEmpty { segments.append((Span(status.model, role: .status), 4)) }
        if let current = model.current, let rate = model.streaming[current]?.tokensPerSecond {
            segments.append((Span(formatRate(rate) + " tok/s", role: .status), 1))
        }
        switch status.sync {
        case .idle: break
        case .syncing: segments.append((Span("syncing…", role: .status), 2))
        case .synced: segments.append((Span("synced", role: .status), 5))
        case .offline: segments.append((Span("offline", role: .statusWarning), 2))
        }
        if status.integrityWarning != nil {
            segments.append((Span("⚠ history integrity", role: .statusError, attributes: .bold), 0))
        }

        let separator = " · "
        func width(_ list: [(Span, Int)]) -> Int {
            list.reduce(0) { $0 + DisplayWidth.of($1.0.text) } + max(0, list.count - 1) * DisplayWidth.of(separator)
        }
        // The longest hint that fits beside what must stay; none when nothing fits.
        let essentials = segments.filter { $0.1 == 0 }
        let hints = [" ^P commands  F1 help ", " F1 help "].first {
            width(essentials) + DisplayWidth.of($0) + 2 <= rect.width
        }
        let room = rect.width - 2 - (hints.map { DisplayWidth.of($0) } ?? 0)
        while width(segments) > room,
            let drop = segments.indices.filter({ segments[$0].1 > 0 }).max(by: { segments[$0].1 < segments[$1].1 })
        {
            segments.remove(at: drop)
        }
        var x = rect.x + 1
        for (index, (segment, _)) in segments.enumerated() {
            if index > 0 { x = buffer.put(separator, x: x, y: rect.y, role: .status, clip: rect) }
            x = buffer.put(
                segment.text, x: x, y: rect.y, role: segment.role, attributes: segment.attributes, clip: rect)
        }
        if let hints {
            buffer.put(hints, x: rect.maxX - DisplayWidth.of(hints), y: rect.y, role: .muted, clip: rect)
        }
    }

    static func formatRate(_ rate: Double) -> String {
        let tenths = Int((rate * 10).rounded())
        return "\(tenths / 10).\(tenths % 10)"
    }
}
