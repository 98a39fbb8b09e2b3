// History: the undo/redo stack of recipes. Every change to the latent state goes
// through `record`, so undo walks back through seeds, ψ, noise, direction steps,
// mixing and restored bookmarks alike.

import Engine

/// Undo and redo stacks of recipes, bounded so a long session cannot grow without limit.
struct History: Equatable, Sendable {
    /// The most entries kept; the oldest are dropped first.
    static let limit = 1000

    private(set) var undoStack: [Recipe] = []
    private(set) var redoStack: [Recipe] = []

    init() {}

    var canUndo: Bool { !undoStack.isEmpty }
    var canRedo: Bool { !redoStack.isEmpty }

    /// Records that the state is leaving `previous`: it becomes the next undo, and
    /// anything that was undone can no longer be redone.
    mutating func record(_ previous: Recipe) {
        undoStack.append(previous)
        if undoStack.count > Self.limit { undoStack.removeFirst(undoStack.count - Self.limit) }
        redoStack.removeAll()
    }

    /// The recipe before `current`, or nil when there is nothing to undo.
    mutating func undo(from current: Recipe) -> Recipe? {
        guard let previous = undoStack.popLast() else { return nil }
        redoStack.append(current)
        return previous
    }

    /// The recipe undone last, or nil when there is nothing to redo.
    mutating func redo(from current: Recipe) -> Recipe? {
        guard let next = redoStack.popLast() else { return nil }
        undoStack.append(current)
        return next
    }
}
