import Wire

/// The move-to-folder overlay: "No folder" and every folder, narrowed by what is typed.
public struct FolderPicker: Hashable, Sendable {
    /// One line of the picker: a folder, or none (out of every folder).
    public struct Choice: Hashable, Sendable {
        public var folder: RecordID?
        public var name: String
    }

    /// The name of the choice that takes a conversation out of its folder.
    public static let noFolder = "No folder"

    /// The conversation to move.
    public var conversation: RecordID
    /// What is typed: every word must occur in a choice's name.
    public var query = ""
    /// The highlighted choice, an index into `choices(from:)`.
    public var selection = 0

    public init(conversation: RecordID) {
        self.conversation = conversation
    }

    /// "No folder" then `folders` in their order, those matching the query only.
    public func choices(from folders: [Folder]) -> [Choice] {
        let words = query.lowercased().split(separator: " ")
        let all = [Choice(folder: nil, name: Self.noFolder)] + folders.map { Choice(folder: $0.id, name: $0.name) }
        return all.filter { choice in
            let name = choice.name.lowercased()
            return words.allSatisfy { name.contains($0) }
        }
    }
}
