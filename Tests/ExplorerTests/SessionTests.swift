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

    /// `text` loaded (as a session from someone else) and made to fit the model; the error when it does not load.
    func loadAndFit(_ text: String) -> Result<(SessionFile, [String]), SessionError> {
        let path = Fixture.tempDir() + "/s.json"
        _ = FileManager.default.createFile(atPath: path, contents: Data(text.utf8))
        do { return .success(SessionStore.validated(try SessionStore.load(path: path), for: model)) } catch let e as SessionError {
            return .failure(e)
        } catch { return .failure(.corrupt(path: path, reason: "\(error)")) }
    }

    /// A saved busy session with `edit` applied to its JSON text.
    func edited(_ edit: (inout [String: Any]) -> Void) throws -> String {
        let data = try JSONEncoder().encode(SessionFile(state: busyState(), model: model))
        var j = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        edit(&j)
        return String(decoding: try JSONSerialization.data(withJSONObject: j), as: UTF8.self)
    }

    func editRecipe(_ j: inout [String: Any], _ key: String, _ value: Any) {
        var r = j["recipe"] as! [String: Any]
        r[key] = value
        j["recipe"] = r
    }

    @Test func untrustedNumbersAreMadeToFit() throws {
        // An offset of 1e30 σ is clamped to the largest an edit may reach, with a warning.
        let huge = try loadAndFit(edited { editRecipe(&$0, "offsets", [["direction": "pose", "amount": 1e30]]) }).get()
        #expect(huge.0.recipe.offsets.map(\.amount) == [Recipe.maxOffset])
        #expect(huge.1.contains("current recipe: offsets beyond ±20 σ clamped"))
        let negative = try loadAndFit(edited { editRecipe(&$0, "offsets", [["direction": "pose", "amount": -3e38]]) }).get()
        #expect(negative.0.recipe.offsets.map(\.amount) == [-Recipe.maxOffset])
        // Beyond Float's range it is not a number a session can hold.
        guard case .failure(let e) = loadAndFit(try edited { editRecipe(&$0, "offsets", [["direction": "pose", "amount": 1e39]]) }) else {
            Issue.record("an offset of 1e39 loaded"); return
        }
        #expect(e.description.contains("is not a valid session file"), "\(e)")
        // A truncation cutoff outside the layers is clamped (psi != 1 makes it matter).
        for (cutoff, fitted) in [(15, 8), (-3, 0), (Int.max, 8), (Int.min, 0)] {
            let r = try loadAndFit(edited { editRecipe(&$0, "truncationCutoff", cutoff) }).get()
            #expect(r.0.recipe.truncationCutoff == fitted, "cutoff \(cutoff)")
            #expect(r.1.contains { $0.contains("truncation cutoff \(cutoff) is outside 0...8") })
        }
        // The same rules for bookmarks.
        let b = try loadAndFit(edited { j in
            var bs = j["bookmarks"] as! [[String: Any]]
            var r = bs[0]["recipe"] as! [String: Any]
            r["truncationCutoff"] = 99
            bs[0]["recipe"] = r
            j["bookmarks"] = bs
        }).get()
        #expect(b.0.bookmarks[0].recipe.truncationCutoff == 8)
        #expect(b.1.contains { $0.hasPrefix("bookmark 'first': truncation cutoff 99") })
    }

    @Test func hugeArraysAndDuplicateKeysAreRefused() throws {
        let many = try edited { editRecipe(&$0, "offsets", Array(repeating: ["direction": "pose", "amount": 1], count: 1001)) }
        guard case .failure(let e) = loadAndFit(many) else { Issue.record("1001 offsets loaded"); return }
        #expect(e.description.hasSuffix("is not a valid session file: recipe.offsets has 1001 entries or characters; at most 1000"), "\(e)")
        guard case .failure(let e2) = loadAndFit(try edited { editRecipe(&$0, "slots", Array(repeating: 1, count: 300)) }) else {
            Issue.record("300 slots loaded"); return
        }
        #expect(e2.description.contains("recipe.slots has 300"))
        let dup = try edited { _ in }.replacingOccurrences(of: "\"model\":", with: "\"model\":\"x\",\"model\":")
        guard case .failure(let e3) = loadAndFit(dup) else { Issue.record("duplicate keys loaded"); return }
        #expect(e3.description.contains("not JSON (duplicate key 'model'"), "\(e3)")
        // A file over the size limit is refused by its size, before it is read.
        let path = Fixture.tempDir() + "/big.json"
        try Data(count: SessionStore.Limits.fileBytes + 1).write(to: URL(fileURLWithPath: path))
        #expect(throws: SessionError.corrupt(path: path, reason: "the file is 16777217 bytes; a session has at most 16777216")) {
            try SessionStore.load(path: path)
        }
    }

    @Test func aSecondWriterKeepsTheBookmarksOfTheFirst() throws {
        let path = Fixture.tempDir() + "/shared.json"
        let mine = SessionFile(state: busyState(), model: model)
        try SessionStore.save(mine, path: path)
        // Another explorer, which read the file before, adds a bookmark and saves.
        var theirs = mine
        theirs.bookmarks.append(Bookmark(name: "theirs", recipe: Recipe(seed: 99)))
        try SessionStore.save(theirs, path: path, base: mine.bookmarks)
        // This one saves its own change: their bookmark stays, and stays on the next save too.
        var next = mine
        next.bookmarks.append(Bookmark(name: "mine", recipe: Recipe(seed: 7)))
        // (Read without `load`, which would tell the store this writer has seen their bookmark.)
        func onDisk() throws -> [String] { try SessionStore.decode(Data(contentsOf: URL(fileURLWithPath: path)), path: path).bookmarks.map(\.name) }
        try SessionStore.save(next, path: path)
        #expect(try onDisk() == ["first", "second", "mine", "theirs"])
        try SessionStore.save(next, path: path)
        #expect(try onDisk() == ["first", "second", "mine", "theirs"])
        // A bookmark removed by the writer that had it is gone.
        var fewer = try SessionStore.load(path: path)
        fewer.bookmarks.removeAll { $0.name == "second" }
        try SessionStore.save(fewer, path: path)
        #expect(try onDisk() == ["first", "mine", "theirs"])
    }

    @Test func fuzzRegressionsAreRejectedOrLoad() throws {
        let dir = Fixture.repoRoot + "/Tests/EngineTests/Fixtures/fuzz-regressions/session"
        let files = try FileManager.default.contentsOfDirectory(atPath: dir).filter { !$0.hasPrefix(".") }.sorted()
        #expect(!files.isEmpty)
        for f in files {
            // Each must give an error, or a session that, made to fit, holds only numbers the engine takes.
            guard let s = try? SessionStore.load(path: dir + "/" + f) else { continue }
            let (v, _) = SessionStore.validated(s, for: model)
            for r in [v.recipe] + v.bookmarks.map(\.recipe) {
                #expect(r.offsets.allSatisfy { $0.amount.isFinite && abs($0.amount) <= Recipe.maxOffset }, "\(f)")
                #expect(r.truncationCutoff.map { (0...model.numLayers).contains($0) } ?? true, "\(f)")
            }
            #expect((0..<model.numLayers).contains(v.ui.attention.layer) && (0..<model.tokens).contains(v.ui.attention.token), "\(f)")
        }
    }
}
