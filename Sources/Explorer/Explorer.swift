// Explorer module: the interactive terminal explorer, latentscope's main screen.
//
// Files, one job each:
//   ModelInfo.swift          what the state machine needs to know about the model
//   ExplorerState.swift      the whole UI state: recipe, history, panels, selections
//   Action.swift             actions (what the user asked for) and effects (what the app must do)
//   Reducer.swift            reduce(state, action) -> effects: the pure state machine
//   Mixing.swift             style-mixing edits on a recipe (slots, layer and token sources)
//   DirectionEdits.swift     direction offsets on a recipe, in steps (σ unless a direction sets its own)
//   Animation.swift          continuous walks (back-and-forth, random walk)
//   History.swift            the undo/redo stack of recipes
//   KeyMap.swift             Key -> Action, per panel
//   CommandParser.swift      the `:` command line -> actions
//   HelpText.swift           every key and command, for the `?` screen
//   Layout.swift             where things go for a terminal size
//   RenderRequest.swift      what to render for a state, and what comes back
//   RenderScheduler.swift    the background generator: latest request wins
//   ViewComposer.swift       a rendered frame -> the picture shown (face, heatmap, owner map, sheet)
//   ImagePresenter.swift     a picture -> sixel bytes or half-block rows for the screen
//   Painter.swift            the text layer: status line, panels, help, command line
//   Session.swift            session files (bookmarks, recipe, UI state)
//   ExportJob.swift          export requests and where their files go
//   Exporter.swift           runs exports on a background thread, with progress
//   ExplorerApp.swift        the event loop that ties it together
//   Launch.swift             taking the terminal, detecting the renderer, running the app
//   TUIBenchmark.swift       key press -> frame on screen latency, without a terminal
//
// Not here: the generator (Engine), figures (Sheets), terminal I/O (Terminal).
