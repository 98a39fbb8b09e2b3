// TerminalEscapeTests.swift: text from a model folder (or quoted in an error) reaches
// the terminal with its control characters escaped, so a hostile config cannot set the
// clipboard (OSC 52), the window title (OSC 0) or clear the screen.

import Foundation
import Testing

@Suite struct TerminalEscapeTests {
    static let hostile = "evil\u{1B}]52;c;SGVsbG8=\u{07}\u{1B}]0;title\u{07}\u{1B}[2J\u{9B}31m\u{202E}"

    /// The tiny model with `change` applied to its config.
    func model(_ change: (inout [String: Any]) -> Void) throws -> String {
        let d = CLI.tempDir() + "/model"
        try FileManager.default.copyItem(atPath: CLI.tinyModel, toPath: d)
        let url = URL(fileURLWithPath: d + "/config.json")
        var config = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        change(&config)
        try JSONSerialization.data(withJSONObject: config).write(to: url)
        return d
    }

    /// No C0 or C1 control characters (escape sequences start with one) and no right-to-left override.
    func expectNoControlCharacters(_ text: String, _ what: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let bad = text.unicodeScalars.filter {
            ($0.value < 0x20 && $0 != "\n" && $0 != "\t") || (0x7F...0x9F).contains($0.value) || $0.value == 0x202E
        }
        #expect(bad.isEmpty, "\(what) printed \(bad.map { String($0.value, radix: 16) })", sourceLocation: sourceLocation)
    }

    @Test func infoEscapesTheLicenceAndDataset() throws {
        let model = try model { $0["training"] = ["license": "licence " + Self.hostile, "dataset": "data " + Self.hostile] }
        let r = try CLI.run(["info", "--model", model])
        #expect(r.status == 0, "\(r.stderr)")
        expectNoControlCharacters(r.out, "info")
        #expect(r.out.contains(#"licence     licence evil\x1B]52;c;SGVsbG8=\x07\x1B]0;title\x07\x1B[2J\x9B31m\u{202E}"#), "\(r.out)")
        #expect(r.out.contains(#"data evil\x1B]52"#))
        // JSON output escapes them as \u001B and keeps the name exact.
        let json = try CLI.run(["info", "--json", "--model", model])
        expectNoControlCharacters(json.out, "info --json")
        let obj = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect((obj?["training"] as? [String: Any])?["license"] as? String == "licence " + Self.hostile)
    }

    @Test func errorMessagesEscapeWhatTheyQuote() throws {
        let d = CLI.tempDir()
        let r = try CLI.run(["walk", "--seed", "1", "--direction", "x\u{1B}[2J", "-o", "\(d)/w.png", "--model", CLI.tinyModel])
        #expect(r.status != 0)
        #expect(r.stderr.contains(#"unknown direction 'x\x1B[2J'"#), "\(r.stderr)")
        expectNoControlCharacters(r.stderr, "the error")
    }

    @Test func aHostileModelNameReachesNoTerminal() throws {
        let model = try model { $0["name"] = Self.hostile }
        for command in [["info"], ["bench", "--runs", "3", "--torch", "off"], ["directions", "list"]] {
            let r = try CLI.run(command + ["--model", model])
            expectNoControlCharacters(r.out + r.stderr, command[0])
            #expect(!r.out.contains("evil\u{1B}") && !r.stderr.contains("evil\u{1B}"))
        }
    }
}
