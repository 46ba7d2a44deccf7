import TUI
import Testing
import Wire

@Suite struct ResizeTests {
    init() { TestEnvironment.prepare() }

    @Test func anySizeDownTo0x0RendersWithoutCrashing() {
        var model = Fixtures.demoModel(size: Size(columns: 80, rows: 24), open: DemoContent.tokyoID)
        Fixtures.type("<F1>", into: &model)
        for columns in [0, 1, 2, 5, 19, 20, 21, 39, 40, 41, 59, 60, 61, 200] {
            for rows in [0, 1, 2, 5, 6, 9, 10, 11, 60] {
                _ = Update.update(&model, .resize(Size(columns: columns, rows: rows)))
                for overlay in [nil, Overlay.help, .palette(query: "", selection: 0)] {
                    model.overlay = overlay
                    let screen = AppView.render(model)
                    #expect(screen.size == Size(columns: columns, rows: rows))
                    #expect(screen.rowsFit(), "\(columns)x\(rows)")
                }
            }
        }
    }

    @Test func theRuntimeFollowsAResizeSequence() {
        let backend = InMemoryBackend(size: Size(columns: 80, rows: 24))
        let service = DemoContent.service(tokenDelay: .zero)
        let runtime = Runtime(backend: backend, service: service, themes: .shipped())
        for size in ["120x40", "40x10", "20x6", "1x1", "0x0", "7x3", "80x24"] {
            backend.type("<Resize \(size)>")
            runtime.step()
            #expect(backend.screen.size.description == size)
            #expect(backend.screen.rowsFit())
        }
        backend.type("<Resize 20x6>")
        runtime.step()
        #expect(backend.screen.text.contains("small"))
    }
}
