import CNcurses
import TUI
import Testing

@Suite struct InputTests {
    init() { TestEnvironment.prepare() }

    func emptyModel() -> AppModel {
        TestEnvironment.prepare()
        return AppModel(size: Size(columns: 80, rows: 24))
    }

    @Test func typingEditsTheComposer() {
        var model = emptyModel()
        Fixtures.type("hello<Left><Left>XY<End>!<Home>>", into: &model)
        #expect(model.input.text == ">helXYlo!")
        Fixtures.type("<End><BS><BS><Del>", into: &model)
        #expect(model.input.text == ">helXYl")
        Fixtures.type("<C-w>", into: &model)
        #expect(model.input.text == "")
    }

    @Test func ctrlJAndAltEnterInsertNewlinesEnterSends() {
        var model = emptyModel()
        let effects = Fixtures.type("one<C-j>two<A-CR>three", into: &model)
        #expect(effects.isEmpty)
        #expect(model.input.text == "one\ntwo\nthree")
        Fixtures.type("<Up>X", into: &model)
        #expect(model.input.text == "one\ntwoX\nthree")
        let sent = Fixtures.type("<CR>", into: &model)
        #expect(model.input.text == "")
        guard case .send(let turn)? = sent.last, case .prompt(let promptID, let text) = turn.ask else {
            Issue.record("Enter did not send: \(sent)")
            return
        }
        #expect(text == "one\ntwoX\nthree")
        #expect(model.messages.first?.id == promptID && model.messages.last?.id == turn.answer)
        #expect(model.current == turn.conversation)
        #expect(model.conversations.first?.title == "one")
    }

    @Test func pasteInsertsWithoutSending() {
        var model = emptyModel()
        let effects = Fixtures.type("a<Paste>line one\r\nline two\rthree</Paste>b", into: &model)
        #expect(effects.isEmpty)
        #expect(model.input.text == "aline one\nline two\nthreeb")
        #expect(model.current == nil)
    }

    @Test func anEmptyPromptIsNotSent() {
        var model = emptyModel()
        #expect(Fixtures.type("   <C-j><CR>", into: &model).isEmpty)
    }

    @Test func editorMovesByGraphemes() {
        var editor = InputEditor("你e\u{301}😀")
        editor.moveLeft()
        editor.backspace()
        #expect(editor.text == "你😀")
        editor.moveHome()
        editor.deleteForward()
        #expect(editor.text == "😀")
    }

    @Test func theComposerGrowsToAThirdOfTheHeight() {
        var model = emptyModel()
        let oneLine = Layout(model: model).input.height
        Fixtures.type("1<C-j>2<C-j>3<C-j>4<C-j>5<C-j>6<C-j>7<C-j>8<C-j>9<C-j>10", into: &model)
        let layout = Layout(model: model)
        #expect(oneLine == 2)
        #expect(layout.input.height == 24 / 3)
        let screen = AppView.render(model)
        #expect(screen.lines[22].contains("10"))
    }

    @Test func visualLinesWrapByDisplayWidthAndPlaceTheCursor() {
        let editor = InputEditor("ab你好cd")
        let (lines, cursor) = InputView.visualLines(of: editor, width: 4)
        #expect(lines.map { String($0) } == ["ab你", "好cd", ""])
        #expect(cursor.row == 2 && cursor.column == 0)
    }
}

@Suite struct InputDecoderTests {
    func decode(_ inputs: [RawInput]) -> [AppEvent] {
        var decoder = InputDecoder()
        return inputs.flatMap { decoder.feed($0) } + decoder.endOfBatch()
    }

    func scalars(_ text: String) -> [RawInput] { text.unicodeScalars.map { .scalar($0.value) } }

    @Test func decodesControlKeys() {
        #expect(decode([.scalar(13)]) == [.key(.enter)])
        #expect(decode([.scalar(10)]) == [.key(.control("j"))])
        #expect(decode([.scalar(27), .scalar(13)]) == [.key(.altEnter)])
        #expect(decode([.scalar(27)]) == [.key(.escape)])
        #expect(decode([.scalar(27), .scalar(UInt32(UInt8(ascii: "x")))]) == [.key(.alt("x"))])
        #expect(
            decode([.scalar(14), .scalar(16), .scalar(6), .scalar(5), .scalar(17)])
                == [
                    .key(.control("n")), .key(.control("p")), .key(.control("f")), .key(.control("e")),
                    .key(.control("q")),
                ])
        #expect(decode([.scalar(127), .scalar(9)]) == [.key(.backspace), .key(.tab)])
    }

    @Test func decodesFunctionKeys() {
        #expect(decode([.keyCode(KEY_F0 + 1)]) == [.key(.function(1))])
        #expect(decode([.keyCode(KEY_UP), .keyCode(KEY_NPAGE)]) == [.key(.up), .key(.pageDown)])
        #expect(decode([.scalar(27), .keyCode(KEY_ENTER)]) == [.key(.altEnter)])
    }

    @Test func joinsScalarsIntoGraphemes() {
        #expect(decode(scalars("e\u{301}你")) == [.key(.character("e\u{301}")), .key(.character("你"))])
    }

    @Test func aBracketedPasteIsOneEvent() {
        let events = decode([.pasteStart] + scalars("a\rb") + [.scalar(13)] + [.pasteEnd] + scalars("x"))
        #expect(events == [.paste("a\nb\n"), .key(.character("x"))])
    }
}
