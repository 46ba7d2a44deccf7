/// A server's `Retry-After` in words a person reads at a glance: "45 seconds", "3 minutes",
/// "1 hour 5 minutes".
public enum RetryWait {
    /// `seconds` in words, rounded up to whole minutes past two minutes.
    public static func words(_ seconds: Int) -> String {
        let seconds = max(seconds, 1)
        if seconds < 120 { return plural(seconds, "second") }
        let minutes = (seconds + 59) / 60
        if minutes < 60 { return plural(minutes, "minute") }
        let hours = minutes / 60
        let rest = minutes % 60
        return rest == 0 ? plural(hours, "hour") : plural(hours, "hour") + " " + plural(rest, "minute")
    }

    /// "try again in 3 minutes", or "try again in a few minutes" without a `Retry-After`.
    public static func advice(_ seconds: Int?) -> String {
        "try again in " + (seconds.map(words) ?? "a few minutes")
    }

    private static func plural(_ count: Int, _ unit: String) -> String {
        "\(count) \(unit)\(count == 1 ? "" : "s")"
    }
}
