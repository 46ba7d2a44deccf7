/// Domains under which unrelated parties register names, so none of them may be an RP ID. Not
/// the whole Public Suffix List: every single-label name (a TLD) plus the multi-label suffixes
/// most often met; a relying party under a rarer one names its own host as its RP ID.
enum PublicSuffixes {
    /// Whether `domain` (canonical, lower case) is a public suffix by these rules.
    static func isPublicSuffix(_ domain: String) -> Bool {
        !domain.contains(".") || shipped.contains(domain)
    }

    /// Country second levels and shared hosting domains.
    static let shipped: Set<String> = [
        "ac.uk", "co.uk", "gov.uk", "ltd.uk", "me.uk", "net.uk", "org.uk", "plc.uk", "sch.uk",
        "com.au", "edu.au", "gov.au", "net.au", "org.au", "co.nz", "net.nz", "org.nz",
        "co.jp", "ne.jp", "or.jp", "ac.jp", "go.jp", "co.kr", "or.kr", "com.cn", "net.cn", "org.cn",
        "com.hk", "com.tw", "com.sg", "co.in", "net.in", "org.in", "co.il", "co.za", "com.br", "net.br",
        "com.ar", "com.mx", "com.tr", "com.ua", "co.id", "com.my", "com.ph", "com.vn", "com.pl",
        "github.io", "gitlab.io", "pages.dev", "workers.dev", "netlify.app", "vercel.app", "web.app",
        "firebaseapp.com", "herokuapp.com", "appspot.com", "blogspot.com", "azurewebsites.net",
        "cloudfront.net", "amazonaws.com", "s3.amazonaws.com", "fly.dev", "onrender.com", "ngrok.io",
        "ngrok-free.app", "duckdns.org", "glitch.me", "replit.dev", "readthedocs.io", "dyndns.org",
    ]
}
