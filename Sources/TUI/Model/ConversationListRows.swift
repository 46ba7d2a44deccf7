import Wire

/// One row of the conversation list.
public enum ConversationListRow: Hashable, Sendable {
    case section(String)
    case folder(Folder, count: Int, collapsed: Bool)
    case conversation(ConversationSummary, depth: Int)

    var conversationID: RecordID? {
        if case .conversation(let summary, _) = self { return summary.id }
        return nil
    }

    var isSelectable: Bool {
        if case .section = self { return false }
        return true
    }

    /// The same conversation, folder or section, whatever changed in it.
    func isSameItem(as other: ConversationListRow) -> Bool {
        switch (self, other) {
        case (.section(let a), .section(let b)): a == b
        case (.folder(let a, _, _), .folder(let b, _, _)): a.id == b.id
        case (.conversation(let a, _), .conversation(let b, _)): a.id == b.id
        default: false
        }
    }
}

extension AppModel {
    /// The list's rows: pinned first, then folders (collapsible), then the rest. With a
    /// filter, the matching conversations only, flat.
    public var listRows: [ConversationListRow] {
        if let filter, !filter.isEmpty {
            let needle = filter.lowercased()
            return conversations.filter { $0.shownTitle.lowercased().contains(needle) }.map {
                .conversation($0, depth: 0)
            }
        }
        var rows: [ConversationListRow] = []
        let pinned = conversations.filter(\.pinned)
        if !pinned.isEmpty {
            rows.append(.section("Pinned"))
            rows += pinned.map { .conversation($0, depth: 0) }
        }
        let unpinned = conversations.filter { !$0.pinned }
        for folder in folders {
            let members = unpinned.filter { $0.folder == folder.id }
            let collapsed = collapsedFolders.contains(folder.id)
            rows.append(.folder(folder, count: members.count, collapsed: collapsed))
            if !collapsed { rows += members.map { .conversation($0, depth: 1) } }
        }
        let known = Set(folders.map(\.id))
        let loose = unpinned.filter { $0.folder.map { !known.contains($0) } ?? true }
        if !loose.isEmpty {
            if !rows.isEmpty { rows.append(.section("Conversations")) }
            rows += loose.map { .conversation($0, depth: 0) }
        }
        return rows
    }
}
