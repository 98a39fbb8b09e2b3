// Terminal module: what the terminal can show, and the code that shows it.
//
// Files, one job each:
//   Renderer.swift               renderer tiers and colour levels
//   TerminalGeometry.swift       cell and window sizes in cells and pixels
//   TerminalReplies.swift        parsers for DA1 and `CSI 16 t` replies (pure)
//   TerminalProbe.swift          live probe of a TTY (raw mode, poll, timeout)
//   DetectionRules.swift         the renderer decision from environment + probe (pure)
//   TerminalCapabilities.swift   the decision's result, `detect(...)` and `describe()`
//   XTerm256.swift               nearest xterm-256 colour (6x6x6 cube + 24 greys)
//   BlockRenderer.swift          half-block, 256-colour and ASCII cell rows
//   ImageFit.swift               largest image that fits a box of cells
//   SixelEncoder.swift           libsixel encoding with a stable palette
//   Key.swift                    keys as the explorer sees them
//   ScreenDriver.swift           the small interface the explorer draws through
//   RecordingScreen.swift        an in-memory ScreenDriver for tests
//   Screen.swift                 the ncursesw implementation of ScreenDriver
//   TerminalRestore.swift        restores the terminal on exit and on signals
//   TerminalTooSmall.swift       the minimum-size check
//
// Not here: resizing images (Imaging) and deciding what to draw (Explorer).
