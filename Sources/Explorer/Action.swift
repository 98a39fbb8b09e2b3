// Action and Effect: the reducer's input and output. Keys and commands become
// actions; the reducer turns an action into a new state plus effects, the things
// only the app can do (write files, change the renderer, quit).

import Engine
import Terminal

/// Something the user (or the app, reporting back) asked for.
enum Action: Sendable, Equatable {
    // MARK: Seeds, truncation, noise
    case randomSeed
    case nextSeed
    case previousSeed
    case setSeed(UInt64)
    /// ψ += delta, clamped to -2...2.
    case adjustPsi(Float)
    case setPsi(Float)
    /// Layers from this index on are not truncated; nil: all truncated.
    case setCutoff(Int?)
    /// seeded -> const -> off -> seeded.
    case cycleNoise
    case setNoise(NoiseChoice)
    /// A new random noise seed (noise becomes seeded).
    case reseedNoise
    case setNoiseSeed(UInt64?)

    // MARK: History
    case undo
    case redo

    // MARK: Directions
    case selectDirection(delta: Int)
    case selectDirectionNamed(String)
    /// Moves along the selected direction by `steps` x the step size (σ).
    case step(Float)
    /// Sets the selected direction's offset (with the current layers and tokens) to this many σ.
    case setOffset(Float)
    /// Multiplies the step size (x2 or x0.5), within 0.05...5 σ.
    case scaleStepSize(Float)
    case setStepSize(Float)
    /// nil: the direction's own range, else all.
    case setEditLayers(ClosedRange<Int>?)
    /// direction default -> coarse -> middle -> fine -> all -> direction default.
    case cycleEditLayers
    case setEditTokens([Int]?)
    /// all -> 0 -> 1 -> ... -> all.
    case cycleEditToken
    case resetDirection
    case resetAllDirections

    // MARK: Animation
    case startAnimation(AnimationKind)
    case setBounceAmplitude(Float)
    case stopAnimation
    /// One animation frame (sent by the app when the previous frame is on screen).
    case tick

    // MARK: Style mixing
    /// Pins a seed (default: the current one) to the next free slot.
    case pin(UInt64?)
    /// Removes a slot (default: the last), re-pointing layers and tokens that used it to the own seed.
    case unpin(Int?)
    case moveMixCursor(Int)
    /// Selects a preset's layer rows in the mix panel.
    case selectMixPreset(LayerPreset)
    /// The selected rows take their styles from `slot` (nil: the own seed).
    case assignSelection(slot: Int?)
    /// The selected rows' source moves to the next (or previous) slot.
    case cycleSelectionSource(Int)
    case assignLayers(ClosedRange<Int>, slot: Int?)
    case assignTokens([Int], slot: Int?)
    /// Every layer and token back to the own seed (slots stay pinned).
    case clearMixing

    // MARK: Attention
    case moveAttentionLayer(Int)
    case setAttentionLayer(Int)
    case moveAttentionToken(Int)
    case setAttentionToken(Int)
    /// head 0 -> 1 -> ... -> mean -> head 0.
    case cycleHead
    /// A head, or nil for the mean.
    case setHead(Int?)
    case cycleView
    case setView(ViewMode)

    // MARK: Bookmarks
    /// Saves the current recipe (default name: seed-N).
    case saveBookmark(String?)
    case restoreBookmark(String)
    case deleteBookmark(String)
    case moveBookmarkCursor(Int)
    case restoreSelectedBookmark
    case deleteSelectedBookmark

    // MARK: Screen
    case showPanel(Panel)
    case nextPanel
    case toggleHelp
    case scrollHelp(Int)
    case closeOverlay
    /// Opens the `:` line, optionally with text already typed.
    case openCommandLine(String)
    case commandType(Character)
    case commandBackspace
    case commandHistory(Int)
    case commandSubmit
    /// Runs a command as if typed after `:`.
    case command(String)
    case setRenderer(Renderer)
    case redraw
    case quit

    // MARK: Files
    case export(ExportJob)
    /// Writes the session (to `path`, else the session's own file).
    case saveSession(String?)
    case loadSession(String)

    // MARK: Reports from the app
    case exportFinished(path: String, width: Int, height: Int)
    case exportFailed(String)
    case sessionSaved(String)
    case sessionLoaded(SessionFile, path: String, warnings: [String])
    case sessionFailed(String)
    /// A message for the status line.
    case notify(String, isError: Bool)
}

/// Work the app does for the reducer.
enum Effect: Sendable, Equatable {
    case export(ExportJob)
    case saveSession(path: String)
    case loadSession(path: String)
    case setRenderer(Renderer)
    /// Repaint everything (Ctrl-L).
    case redraw
    case quit
}
