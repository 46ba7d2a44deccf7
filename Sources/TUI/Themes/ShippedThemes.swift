// The shipped themes, embedded so the binary needs no files beside it. The files in
// `themes/` are the source; ThemeTests fails when a copy here differs from its file.
// Regenerate with scripts/embed-themes.sh.

/// The TOML text of each theme in `themes/`.
enum ShippedThemes {
    static let names = ["dark", "light", "solarized-dark", "high-contrast"]

    static let source: [String: String] = [
        "dark": """
        # Sotto's default theme: light text on the terminal's own dark background.
        # Colours: "#rrggbb", a 0-255 index, a basic name ("red", "bright-blue"), a name from
        # [palette], or "default" (the terminal's own). Attributes: bold, italic, underline,
        # reverse, dim. Roles left out look like `text`.
        name = "dark"

        [palette]
        fg = "#d0d4dc"
        muted = "#7c8494"
        accent = "#7aa2f7"
        green = "#9ece6a"
        yellow = "#e0af68"
        red = "#f7768e"
        surface = "#24283b"
        select = "#364a82"
        code = "#1f2335"

        [roles]
        text = { fg = "fg", bg = "default" }
        muted = { fg = "muted" }
        border = { fg = "#3b4261" }
        sidebar = { fg = "fg" }
        sidebar_selected = { fg = "#ffffff", bg = "select", bold = true }
        sidebar_folder = { fg = "accent", bold = true }
        marker = { fg = "accent" }
        user_label = { fg = "green", bold = true }
        assistant_label = { fg = "accent", bold = true }
        heading = { fg = "accent", bold = true }
        inline_code = { fg = "#ff9e64", bg = "code" }
        code_block = { fg = "fg", bg = "code" }
        code_keyword = { fg = "#bb9af7", bg = "code", bold = true }
        code_string = { fg = "green", bg = "code" }
        code_comment = { fg = "muted", bg = "code", italic = true }
        quote = { fg = "#a9b1d6", italic = true }
        list_bullet = { fg = "accent" }
        input = { fg = "fg" }
        input_placeholder = { fg = "muted", italic = true }
        status = { fg = "fg", bg = "surface" }
        status_good = { fg = "green", bg = "surface" }
        status_warning = { fg = "#1a1b26", bg = "yellow", bold = true }
        status_error = { fg = "#1a1b26", bg = "red", bold = true }
        overlay = { fg = "fg", bg = "surface" }
        overlay_title = { fg = "accent", bg = "surface", bold = true }
        overlay_selected = { fg = "#ffffff", bg = "select", bold = true }
        error = { fg = "red", bold = true }
        """,
        "light": """
        # Dark text for light terminal backgrounds.
        name = "light"

        [palette]
        fg = "#24292f"
        muted = "#6e7781"
        accent = "#0550ae"
        green = "#116329"
        yellow = "#9a6700"
        red = "#cf222e"
        surface = "#eaeef2"
        select = "#b6d7ff"
        code = "#f3f4f6"

        [roles]
        text = { fg = "fg", bg = "default" }
        muted = { fg = "muted" }
        border = { fg = "#d0d7de" }
        sidebar = { fg = "fg" }
        sidebar_selected = { fg = "fg", bg = "select", bold = true }
        sidebar_folder = { fg = "accent", bold = true }
        marker = { fg = "accent" }
        user_label = { fg = "green", bold = true }
        assistant_label = { fg = "accent", bold = true }
        heading = { fg = "accent", bold = true }
        inline_code = { fg = "#953800", bg = "code" }
        code_block = { fg = "fg", bg = "code" }
        code_keyword = { fg = "#8250df", bg = "code", bold = true }
        code_string = { fg = "#0a3069", bg = "code" }
        code_comment = { fg = "muted", bg = "code", italic = true }
        quote = { fg = "#57606a", italic = true }
        list_bullet = { fg = "accent" }
        input = { fg = "fg" }
        input_placeholder = { fg = "muted", italic = true }
        status = { fg = "fg", bg = "surface" }
        status_good = { fg = "green", bg = "surface" }
        status_warning = { fg = "#ffffff", bg = "yellow", bold = true }
        status_error = { fg = "#ffffff", bg = "red", bold = true }
        overlay = { fg = "fg", bg = "surface" }
        overlay_title = { fg = "accent", bg = "surface", bold = true }
        overlay_selected = { fg = "fg", bg = "select", bold = true }
        error = { fg = "red", bold = true }
        """,
        "solarized-dark": """
        # Solarized dark (Ethan Schoonover's palette).
        name = "solarized-dark"

        [palette]
        base03 = "#002b36"
        base02 = "#073642"
        base01 = "#586e75"
        base0 = "#839496"
        base1 = "#93a1a1"
        yellow = "#b58900"
        orange = "#cb4b16"
        red = "#dc322f"
        magenta = "#d33682"
        violet = "#6c71c4"
        blue = "#268bd2"
        cyan = "#2aa198"
        green = "#859900"

        [roles]
        text = { fg = "base0", bg = "base03" }
        muted = { fg = "base01", bg = "base03" }
        border = { fg = "base02", bg = "base03" }
        sidebar = { fg = "base0", bg = "base03" }
        sidebar_selected = { fg = "base1", bg = "base02", bold = true }
        sidebar_folder = { fg = "blue", bg = "base03", bold = true }
        marker = { fg = "cyan", bg = "base03" }
        user_label = { fg = "green", bg = "base03", bold = true }
        assistant_label = { fg = "blue", bg = "base03", bold = true }
        heading = { fg = "orange", bg = "base03", bold = true }
        inline_code = { fg = "cyan", bg = "base02" }
        code_block = { fg = "base1", bg = "base02" }
        code_keyword = { fg = "green", bg = "base02", bold = true }
        code_string = { fg = "cyan", bg = "base02" }
        code_comment = { fg = "base01", bg = "base02", italic = true }
        quote = { fg = "base1", bg = "base03", italic = true }
        list_bullet = { fg = "yellow", bg = "base03" }
        input = { fg = "base1", bg = "base03" }
        input_placeholder = { fg = "base01", bg = "base03", italic = true }
        status = { fg = "base1", bg = "base02" }
        status_good = { fg = "green", bg = "base02" }
        status_warning = { fg = "base03", bg = "yellow", bold = true }
        status_error = { fg = "base03", bg = "red", bold = true }
        overlay = { fg = "base0", bg = "base02" }
        overlay_title = { fg = "blue", bg = "base02", bold = true }
        overlay_selected = { fg = "base03", bg = "blue", bold = true }
        error = { fg = "red", bg = "base03", bold = true }
        """,
        "high-contrast": """
        # Maximum contrast: pure black and white, bright accents, selection by reverse video.
        name = "high-contrast"

        [roles]
        text = { fg = "bright-white", bg = "black" }
        muted = { fg = "white", bg = "black" }
        border = { fg = "bright-white", bg = "black" }
        sidebar = { fg = "bright-white", bg = "black" }
        sidebar_selected = { fg = "bright-white", bg = "black", reverse = true, bold = true }
        sidebar_folder = { fg = "bright-yellow", bg = "black", bold = true }
        marker = { fg = "bright-cyan", bg = "black", bold = true }
        user_label = { fg = "bright-green", bg = "black", bold = true, underline = true }
        assistant_label = { fg = "bright-cyan", bg = "black", bold = true, underline = true }
        heading = { fg = "bright-yellow", bg = "black", bold = true, underline = true }
        inline_code = { fg = "black", bg = "bright-white" }
        code_block = { fg = "bright-white", bg = "blue" }
        code_keyword = { fg = "bright-yellow", bg = "blue", bold = true }
        code_string = { fg = "bright-green", bg = "blue" }
        code_comment = { fg = "bright-cyan", bg = "blue" }
        quote = { fg = "bright-white", bg = "black", italic = true }
        list_bullet = { fg = "bright-yellow", bg = "black", bold = true }
        input = { fg = "bright-white", bg = "black" }
        input_placeholder = { fg = "white", bg = "black" }
        status = { fg = "black", bg = "bright-white" }
        status_good = { fg = "black", bg = "bright-green", bold = true }
        status_warning = { fg = "black", bg = "bright-yellow", bold = true }
        status_error = { fg = "bright-white", bg = "red", bold = true }
        overlay = { fg = "bright-white", bg = "black" }
        overlay_title = { fg = "bright-yellow", bg = "black", bold = true }
        overlay_selected = { fg = "black", bg = "bright-white", bold = true }
        error = { fg = "bright-white", bg = "red", bold = true }
        """,
    ]
}
