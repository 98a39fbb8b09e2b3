// HelpText: every key and command in one place. The `?` screen prints it, the
// command parser quotes its usage lines in errors, and docs/explorer.md follows it.

/// One line of help: what to press or type, and what it does.
struct HelpEntry: Sendable, Equatable {
    let name: String
    let text: String

    init(_ name: String, _ text: String) {
        self.name = name
        self.text = text
    }
}

/// A titled group of help lines.
struct HelpSection: Sendable, Equatable {
    let title: String
    let entries: [HelpEntry]
}

enum HelpText {
    /// The keys, by where they work: the key bindings' own lines.
    static var keys: [HelpSection] {
        KeyBindings.sections.map { section in
            HelpSection(title: section.title, entries: section.bindings.map { HelpEntry($0.label, $0.help) }
                        + section.notes.map { HelpEntry("", $0) })
        }
    }

    /// The `:` commands.
    static let commands: [HelpEntry] = [
        HelpEntry("seed N", "go to seed N"),
        HelpEntry("random", "a random seed"),
        HelpEntry("next", "the next seed"),
        HelpEntry("prev", "the previous seed"),
        HelpEntry("psi X", "truncation ψ (-2 … 2; 1 = none, 0 = the average face)"),
        HelpEntry("cutoff L|off", "layers from L on are not truncated"),
        HelpEntry("noise seeded|const|off", "where the per-pixel noise comes from"),
        HelpEntry("noiseseed N|off", "seed of the noise (off: the face's own seed)"),
        HelpEntry("dir NAME|INDEX", "select a direction"),
        HelpEntry("step X", "step size in σ (or the direction's own steps)"),
        HelpEntry("offset X", "set the selected direction's offset to X steps (σ unless it has its own)"),
        HelpEntry("layers A-B|coarse|middle|fine|all|default", "layers a step edits (GANSpace E(component, A-B))"),
        HelpEntry("tokens LIST|all", "style tokens a step edits, e.g. 0,2"),
        HelpEntry("reset", "reset the selected direction"),
        HelpEntry("reset all", "reset every direction"),
        HelpEntry("animate bounce [AMPLITUDE]", "back and forth along the direction, ± AMPLITUDE σ (default 3)"),
        HelpEntry("animate walk", "random walk over the first directions"),
        HelpEntry("animate off", "stop"),
        HelpEntry("pin [SEED]", "pin a seed (default: the current one) to the next slot"),
        HelpEntry("unpin [SLOT]", "unpin a slot (default: the last)"),
        HelpEntry("mix LAYERS SLOT|own", "layers take their style from a slot, e.g. :mix 0-3 A, :mix fine B"),
        HelpEntry("mix token LIST SLOT|own", "style tokens (all layers) from a slot, e.g. :mix token 2 A"),
        HelpEntry("mix clear", "all layers and tokens from the own seed"),
        HelpEntry("layer L", "attention layer (index or name, e.g. b16.conv1)"),
        HelpEntry("head N|mean", "attention head"),
        HelpEntry("token N", "attention token"),
        HelpEntry("view face|heatmap|owner|sheet", "what the face view shows"),
        HelpEntry("panel directions|mix|attention|bookmarks", "open a panel"),
        HelpEntry("bookmark [NAME]", "save the face under NAME (default seed-N)"),
        HelpEntry("restore NAME", "restore a bookmark"),
        HelpEntry("delbookmark NAME", "delete a bookmark"),
        HelpEntry("bookmarks", "list the bookmarks"),
        HelpEntry("save [FILE]", "write the session (bookmarks, face, panels) to FILE"),
        HelpEntry("load FILE", "load a session"),
        HelpEntry("export [file=PATH]", "the current view as PNG (same as e)"),
        HelpEntry("export grid [SEEDS] [cols=N] [size=N] [file=PATH]", "seed grid of the current face, default the next 16 seeds"),
        HelpEntry("export walk [FROM:TO] [steps=N] [dir=D] [layers=A-B] [tokens=L] [size=N] [file=PATH]", "walk strip, default -3:3 in 9 steps"),
        HelpEntry("export mix [ROWS] [COLS] [layers=A-B|tokens=L] [size=N] [file=PATH]", "style-mixing matrix, default: this seed x the slots, coarse layers"),
        HelpEntry("export attention [layer=L] [head=all|mean|N] [colormap=C] [size=N] [file=PATH]", "attention sheet of a layer"),
        HelpEntry("renderer sixel|blocks|blocks256|ascii", "switch how images are drawn"),
        HelpEntry("undo", "undo"),
        HelpEntry("redo", "redo"),
        HelpEntry("help", "this help"),
        HelpEntry("quit", "quit"),
    ]

    /// The help screen as lines of at most `width` characters.
    static func lines(width: Int) -> [String] {
        var out: [String] = ["latentscope explorer: keys and commands", ""]
        func add(_ e: HelpEntry, nameWidth: Int) {
            let name = e.name.padded(to: nameWidth)
            out += wrap(name + "  " + e.text, width: width, indent: nameWidth + 2)
        }
        for s in keys {
            out.append(s.title)
            for e in s.entries { add(e, nameWidth: 12) }
            out.append("")
        }
        out.append("Commands (type : first; exports go to the export folder unless file= is given)")
        for c in commands {
            if c.name.count + 2 + c.text.count <= width {
                out.append("  :" + c.name + "  " + c.text)
            } else {
                out += wrap("  :" + c.name, width: width, indent: 4)
                out += wrap("      " + c.text, width: width, indent: 6)
            }
        }
        return out
    }

    /// Word-wraps `text` to `width`, continuation lines indented by `indent`.
    static func wrap(_ text: String, width: Int, indent: Int) -> [String] {
        guard width > indent + 8, text.count > width else { return [text] }
        var lines: [String] = []
        var current = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false) {
            let candidate = current.isEmpty ? String(word) : current + " " + word
            if candidate.count > width, !current.trimmingBlankSpace().isEmpty {
                lines.append(current)
                current = String(repeating: " ", count: indent) + word
            } else {
                current = candidate
            }
        }
        lines.append(current)
        return lines
    }
}

extension String {
    /// Left-aligned in a field of `length` characters (never truncated).
    func padded(to length: Int) -> String {
        count >= length ? self : self + String(repeating: " ", count: length - count)
    }

    func trimmingBlankSpace() -> String {
        String(drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }
}
