import Wire

/// The content `sotto dev tui-demo` shows: folders, a pinned conversation, Markdown with
/// code, CJK and emoji, and one conversation of 10,000 messages.
public enum DemoContent {
    /// A service filled with the demo conversations, answering after `tokenDelay` per token.
    public static func service(tokenDelay: Duration = .milliseconds(30)) -> InMemoryChatService {
        InMemoryChatService(
            conversations: conversations, folders: folders, messages: messages(), status: status,
            tokenDelay: tokenDelay)
    }

    /// A fixed record id (`DE`, `group`, then `number`), so tests and benchmarks can name
    /// what the demo holds. Exactly 16 bytes, so the throwing initialiser cannot fail.
    public static func id(_ group: UInt8, _ number: Int = 0) -> RecordID {
        try! RecordID(bytes: [0xDE, group] + (0..<14).map { UInt8(truncatingIfNeeded: number >> (8 * (13 - $0))) })
    }

    public static let welcomeID = id(1)
    public static let swiftID = id(2)
    public static let longID = id(3)
    public static let tokyoID = id(4)
    public static let recipesID = id(5)
    public static let workID = id(6)
    public static let travelID = id(7)

    public static let folders = [
        Folder(id: workID, name: "Work", instructions: "Answer briefly."),
        Folder(id: travelID, name: "Travel"),
    ]

    public static let conversations = [
        ConversationSummary(id: welcomeID, title: "Welcome to Sotto", pinned: true),
        ConversationSummary(id: swiftID, title: "Swift concurrency", folder: workID),
        ConversationSummary(id: longID, title: "A very long chat (10,000)", folder: workID),
        ConversationSummary(id: tokyoID, title: "東京の旅行 🗼", folder: travelID, unread: true),
        ConversationSummary(id: recipesID, title: "Bread recipes"),
    ]

    public static let status = StatusInfo(
        lock: .unlocked, server: "127.0.0.1:8443",
        attestation: .verified(platform: "sev-snp", measurement: "3f2a9c1e77d04b5a", simulated: true),
        model: "SmolLM2-135M", sync: .synced)

    /// `count` alternating questions and answers.
    public static func longConversation(count: Int = 10_000) -> [ChatMessage] {
        (0..<count).map { i in
            ChatMessage(
                id: id(3, i), role: i % 2 == 0 ? .user : .assistant,
                text: i % 2 == 0 ? "Question number \(i / 2 + 1)?" : "Answer **\(i / 2 + 1)**, with `code` and *style*."
            )
        }
    }

    /// The transcripts of the demo conversations.
    public static func messages() -> [RecordID: [ChatMessage]] {
        [
            welcomeID: [
                ChatMessage(id: id(1, 1), role: .user, text: "What is Sotto?"),
                ChatMessage(id: id(1, 2), role: .assistant, text: welcome),
            ],
            swiftID: [
                ChatMessage(id: id(2, 1), role: .user, text: "Show me an actor in Swift."),
                ChatMessage(id: id(2, 2), role: .assistant, text: swift),
            ],
            longID: longConversation(),
            tokyoID: [
                ChatMessage(id: id(4, 1), role: .user, text: "東京で三日間、何をすればいいですか？"),
                ChatMessage(id: id(4, 2), role: .assistant, text: tokyo),
            ],
            recipesID: [],
        ]
    }

    static let welcome = """
        # Welcome

        Sotto is a **private** assistant: your prompts are encrypted to a server whose code \
        was *verified* by remote attestation before anything was sent.

        > This is a demo: the answers are simulated and nothing leaves this machine.

        ## Keys
        1. `Enter` sends, `Ctrl-J` adds a line
        2. `Ctrl-P` opens the command palette, `F1` the help
        3. `Tab` moves to the list; `/` filters it
        """

    static let swift = """
        Here is a small **actor** that counts safely across tasks:

        ```swift
        actor Counter {
            private var value = 0
            func increment() -> Int {
                value += 1  // one task at a time
                return value
            }
        }
        let counter = Counter()
        print(await counter.increment(), "done")
        ```

        - state lives *inside* the actor
        - calls from outside are `await`ed
        """

    static let tokyo = """
        三日間のおすすめ 🗾:

        - **一日目**: 浅草と上野 — 雷門 ⛩️ を見て、公園を散歩
        - **二日目**: 渋谷と原宿 🛍️
        - **三日目**: 鎌倉への日帰り旅行 🌊

        楽しい旅を！😀
        """
}
