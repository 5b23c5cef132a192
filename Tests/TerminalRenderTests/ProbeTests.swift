import TerminalRender
import Testing

@Suite("Capability probe replies")
struct ProbeTests {
  let winsize = (cols: 100, rows: 30, xpixel: 0, ypixel: 0)

  @Test("xterm -ti vt340 with allowWindowOps")
  func xterm() {
    let replies =
      "\u{1B}P>|XTerm(379)\u{1B}\\\u{1B}[?1;0;1024S\u{1B}[?2;0;1000;1000S\u{1B}[4;600;1000t\u{1B}[6;20;10t\u{1B}[8;30;100t\u{1B}P1$r0;38:2::1:2:3m\u{1B}\\\u{1B}[?63;1;2;4;6;9;15;16;22;28;29c"
    let c = ProbeReplies.capabilities(replies: Array(replies.utf8), env: ["TERM": "xterm-256color"], winsize: winsize)
    #expect(c.answered && c.sixel && c.graphics == .sixel)
    #expect(c.colorRegisters == 1024)
    #expect(c.maxGraphicsSize?.width == 1000)
    #expect(c.cellWidth == 10 && c.cellHeight == 20 && c.cellSizeSource == "16t")
    #expect(c.colors == .truecolor && c.truecolorSource == "DECRQSS")
    #expect(c.terminalName == "XTerm(379)")
  }

  @Test("xterm without window ops falls back to the window size")
  func noWindowOps() {
    let replies = "\u{1B}[?63;1;2;4;6c"
    let c = ProbeReplies.capabilities(replies: Array(replies.utf8), env: ["TERM": "xterm"], winsize: (100, 30, 900, 660))
    #expect(c.cellWidth == 9 && c.cellHeight == 22 && c.cellSizeSource == "winsize")
    #expect(c.colorRegisters == 256)
  }

  @Test("a terminal that answers nothing gets half-blocks and defaults")
  func silent() {
    let c = ProbeReplies.capabilities(replies: [], env: ["TERM": "xterm-256color"], winsize: winsize)
    #expect(!c.answered && !c.sixel && c.graphics == .halfblock && c.colors == .palette256)
    #expect(c.cellWidth == 10 && c.cellHeight == 20)
  }

  @Test("inside tmux, DA1 describes tmux: half-blocks even if it says sixel")
  func tmux() {
    let c = ProbeReplies.capabilities(
      replies: Array("\u{1B}P>|tmux 3.4\u{1B}\\\u{1B}[?1;2;4c".utf8), env: ["TERM": "tmux-256color", "TMUX": "/tmp/x"], winsize: winsize)
    #expect(c.inTmux && c.graphics == .halfblock)
  }

  @Test func noColorAndDumb() {
    #expect(ProbeReplies.capabilities(replies: [], env: ["NO_COLOR": "1", "COLORTERM": "truecolor"], winsize: winsize).graphics == .ascii)
    #expect(ProbeReplies.capabilities(replies: [], env: ["TERM": "dumb"], winsize: winsize).colors == .none)
  }

  @Test("malformed and hostile replies do not trap, and names are sanitized")
  func malformed() {
    let junk: [UInt8] = [
      0x1B, 0x1B, 0x5B, 0x3F, 0x3B, 0x3B, 0x63, 0x1B, 0x50, 0x3E, 0x7C, 0x1B, 0x5B, 0x32, 0x4A, 0x1B, 0x5C, 0x1B, 0x5B, 0x36, 0x3B, 0x39, 0x39, 0x39, 0x39,
      0x39, 0x39, 0x39, 0x39, 0x39, 0x39, 0x74, 0x1B,
    ]
    let c = ProbeReplies.capabilities(replies: junk, env: [:], winsize: (0, 0, 0, 0))
    #expect(c.terminalName == "\\x1b[2J")
    #expect(c.cellWidth == 10)
    #expect(ProbeReplies.hasDA1(Array("\u{1B}[?1;2c".utf8)))
    #expect(!ProbeReplies.hasDA1(Array("\u{1B}[?1;2".utf8)))
  }

  @Test func kittyAnswer() {
    let c = ProbeReplies.capabilities(replies: Array("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[?62;c".utf8), env: ["TERM": "xterm-kitty"], winsize: winsize)
    #expect(c.kitty && c.graphics == .kitty)
  }
}

@Suite("Probe questions follow what is still unknown")
struct ProbeNeedsTests {
  @Test("an override skips the questions it makes moot; inside tmux the kitty query is never sent")
  func queriesFollowNeeds() {
    let all = ProbeReplies.queries(for: .init())
    #expect(all.contains("\u{1B}_G") && all.contains("\u{1B}[16t") && all.contains("\u{1B}P$qm") && all.hasSuffix("\u{1B}[c"))
    let halfblock = ProbeReplies.queries(for: .init(graphics: false, pixels: false, colors: true))
    #expect(!halfblock.contains("\u{1B}_G") && !halfblock.contains("\u{1B}[16t") && !halfblock.contains("\u{1B}[?1;1;0S"))
    let both = ProbeReplies.queries(for: .init(graphics: false, pixels: false, colors: false))
    #expect(!both.contains("\u{1B}P$qm") && both.hasSuffix("\u{1B}[c"))
    let sixel = ProbeReplies.queries(for: .init(graphics: false, pixels: true, colors: true))
    #expect(sixel.contains("\u{1B}[16t") && !sixel.contains("\u{1B}_G"))
    #expect(!ProbeReplies.queries(for: .init(inTmux: true)).contains("\u{1B}_G"))
  }
}
