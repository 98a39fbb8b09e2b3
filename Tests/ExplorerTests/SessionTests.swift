// SessionTests.swift: session files: a round trip through the file, the errors of
// corrupt or foreign files, and sessions from another model made to fit.

import Engine
import Foundation
import Testing
@testable import Explorer

@Suite struct SessionTests {
    let model = Fixture.model

    func busyState() -> ExplorerState {
        var s = ExplorerState(model: model, seed: 42)
        s = run([.pin(7), .assignLayers(0...2, slot: 0), .assignTokens([3], slot: 0), .setPsi(0.7), .setNoise(.const),
                 .selectDirection(delta: 1), .setEditLayers(3...5), .setEditTokens([1, 2]), .step(3), .saveBookmark("first"),
                 .nextSeed, .saveBookmark("second"), .showPanel(.attention), .setAttentionLayer(6), .setHead(1),
                 .setAttentionToken(2), .setView(.owner), .setStepSize(0.25)], s)
        return s
    }

    @Test func roundTripThroughAFile() throws {
        let s = busyState()
        let path = Fixture.tempDir() + "/session.json"
        try SessionStore.save(SessionFile(state: s, model: model), path: path)
        let text = try String(contentsOfFile: path, encoding: .utf8)
        #expect(text.contains("\"format\" : \"latentscope-session\""))

        let loaded = try SessionStore.load(path: path)
        #expect(loaded == SessionFile(state: s, model: model))
        let (valid, warnings) = SessionStore.validated(loaded, for: model)
        #expect(warnings.isEmpty)

        var fresh = ExplorerState(model: model, seed: 0)
        SessionStore.apply(valid, to: &fresh, model: model)
        #expect(fresh.recipe == s.recipe)
        #expect(fresh.bookmarks == s.bookmarks)
        #expect(fresh.panel == .attention && fresh.view == .owner)
        #expect(fresh.attention == AttentionSelection(layer: 6, head: 1, token: 2))
        #expect(fresh.selectedDirection == 1 && fresh.stepSize == 0.25)
        #expect(fresh.editLayers == 3...5 && fresh.editTokens == [1, 2])
        #expect(fresh.renderRequest(model) == s.renderRequest(model))
        // Through the reducer, as `:load` does: undoable, and S then saves to the same file.
        var viaLoad = ExplorerState(model: model, seed: 0)
        Reducer.reduce(&viaLoad, .sessionLoaded(valid, path: path, warnings: []), model: model)
        #expect(viaLoad.recipe == s.recipe && viaLoad.sessionPath == path)
        #expect(Reducer.reduce(viaLoad, .saveSession(nil), model: model).1 == [.saveSession(path: path)])
        Reducer.reduce(&viaLoad, .undo, model: model)
        #expect(viaLoad.recipe == Recipe(seed: 0))
    }

    @Test func corruptFilesGiveClearErrors() throws {
        let dir = Fixture.tempDir()
        func load(_ text: String) -> String {
            let path = dir + "/s.json"
            _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
            do {
                _ = try SessionStore.load(path: path)
                return "loaded"
            } catch { return "\(error)" }
        }
        #expect(load("{ not json").hasPrefix("session '\(dir)/s.json' is not a valid session file: not JSON"))
        #expect(load("{\"format\": \"latentscope-directions\", \"format_version\": 1}")
                == "session '\(dir)/s.json' is not a valid session file: format is 'latentscope-directions', expected 'latentscope-session'")
        #expect(load("[1, 2]").contains("not JSON"))
        #expect(load("{\"format\": \"latentscope-session\", \"format_version\": 9}")
                == "session '\(dir)/s.json' is not supported: format_version 9 (this build reads 1)")
        #expect(load("{\"format\": \"latentscope-session\", \"format_version\": 1, \"model\": \"tiny\"}")
                == "session '\(dir)/s.json' is not a valid session file: missing field 'recipe' in the top level")
        // A valid file cut short.
        let good = try JSONEncoder().encode(SessionFile(state: busyState(), model: model))
        #expect(load(String(decoding: good.prefix(good.count / 2), as: UTF8.self)).contains("is not a valid session file"))
        #expect(throws: SessionError.unreadable(path: dir + "/missing.json", reason: "no such file")) {
            try SessionStore.load(path: dir + "/missing.json")
        }
        #expect(throws: SessionError.self) { try SessionStore.save(SessionFile(state: busyState(), model: model), path: dir + "/no/such/dir/s.json") }
    }

    @Test func aSessionFromAnotherModelIsMadeToFit() {
        var file = SessionFile(state: busyState(), model: model)
        file.model = "other"
        file.recipe.offsets.append(DirectionOffset(direction: "smile", amount: 2))
        file.recipe.layerSources = Array(repeating: 0, count: 20)
        file.ui.attention = AttentionSelection(layer: 30, head: 5, token: 9)
        let (fixed, warnings) = SessionStore.validated(file, for: model)
        #expect(warnings.contains("session was made with model 'other', this is 'tiny'"))
        #expect(warnings.contains { $0.contains("dropped 1 offset") })
        #expect(warnings.contains { $0.contains("style mixing did not fit") })
        #expect(!fixed.recipe.offsets.contains { $0.direction == "smile" })
        #expect(fixed.recipe.layerSources.isEmpty)
        #expect(fixed.ui.attention == AttentionSelection(layer: 4))
    }

    @Test func launchLoadsAnExistingSessionAndStartsANewOne() throws {
        let dir = Fixture.tempDir()
        let path = dir + "/s.json"
        let (fresh, _) = try ExplorerLauncher.initialState(model: model, options: ExplorerOptions(sessionPath: path, seed: 5), rngSeed: 1)
        #expect(fresh.recipe.seed == 5 && fresh.sessionPath == path)
        #expect(fresh.message?.text.contains("new session") == true)
        try SessionStore.save(SessionFile(state: busyState(), model: model), path: path)
        let (loaded, _) = try ExplorerLauncher.initialState(model: model, options: ExplorerOptions(sessionPath: path), rngSeed: 1)
        #expect(loaded.recipe == busyState().recipe && !loaded.history.canUndo)
        _ = FileManager.default.createFile(atPath: path, contents: Data("garbage".utf8))
        #expect(throws: SessionError.self) {
            try ExplorerLauncher.initialState(model: model, options: ExplorerOptions(sessionPath: path), rngSeed: 1)
        }
    }
}
