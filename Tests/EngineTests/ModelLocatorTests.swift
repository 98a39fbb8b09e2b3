// ModelLocatorTests.swift: where the bundled model is looked for, and in which order.

import Foundation
import Testing
@testable import Engine

@Suite struct ModelLocatorTests {
    private func makeModel(in folder: String) throws -> String {
        let dir = (folder as NSString).appendingPathComponent("latentscope/models/\(ModelLocator.defaultModel)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: URL(fileURLWithPath: (dir as NSString).appendingPathComponent("config.json")))
        return dir
    }

    private func tempFolder() throws -> String {
        let dir = (NSTemporaryDirectory() as NSString).appendingPathComponent("locator-\(UUID().uuidString)")
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    @Test func anInstalledBinaryFindsTheModelUnderItsPrefix() throws {
        let prefix = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: prefix) }
        let model = try makeModel(in: (prefix as NSString).appendingPathComponent("share"))
        let found = try ModelLocator.resolve(explicit: nil, environment: ["HOME": "/nonexistent"],
                                             executable: (prefix as NSString).appendingPathComponent("bin/latentscope"),
                                             currentDirectory: "/")
        #expect(found == model)
    }

    @Test func theUserDataFolderComesAfterTheExecutableAndHonoursXDG() throws {
        let data = try tempFolder()
        defer { try? FileManager.default.removeItem(atPath: data) }
        let model = try makeModel(in: data)
        let env = ["XDG_DATA_HOME": data, "HOME": "/nonexistent"]
        let found = try ModelLocator.resolve(explicit: nil, environment: env, executable: "/nonexistent/bin/latentscope",
                                             currentDirectory: "/")
        #expect(found == model)
        let order = ModelLocator.candidates(executable: "/opt/x/bin/latentscope", currentDirectory: "/w", environment: env)
        let user = try #require(order.firstIndex(of: model))
        #expect(order.firstIndex(of: "/opt/x/share/latentscope/models/\(ModelLocator.defaultModel)")! < user)
        #expect(order.last == "/w/assets/models/\(ModelLocator.defaultModel)")
        // A relative XDG_DATA_HOME is ignored, as the XDG rules say; HOME's default applies.
        #expect(ModelLocator.userDataFolder(environment: ["XDG_DATA_HOME": "rel", "HOME": "/h"]) == "/h/.local/share")
    }

    @Test func theNotFoundMessageListsWhereItLooked() throws {
        let env = ["XDG_DATA_HOME": "/nonexistent-data", "HOME": "/nonexistent"]
        do {
            _ = try ModelLocator.resolve(explicit: nil, environment: env, executable: "/nonexistent/bin/latentscope",
                                         currentDirectory: "/nonexistent-cwd")
            Issue.record("resolved a model that does not exist")
        } catch {
            let text = "\(error)"
            #expect(text.contains("/nonexistent-data/latentscope/models/\(ModelLocator.defaultModel)"))
            #expect(text.contains("/nonexistent/share/latentscope/models/\(ModelLocator.defaultModel)"))
            #expect(text.contains("LATENTSCOPE_MODEL"))
        }
    }
}
