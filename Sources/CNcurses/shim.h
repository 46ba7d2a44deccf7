#ifndef SOTTO_CNCURSES_SHIM_H
#define SOTTO_CNCURSES_SHIM_H
// SwiftPM drops pkg-config's -D_XOPEN_SOURCE, without which curses.h hides the
// wide-character API (get_wch, wadd_wch, cchar_t).
#define NCURSES_WIDECHAR 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

// XSI; glibc declares it only under _XOPEN_SOURCE. ncurses measures with it, so do we.
extern int wcwidth(wchar_t c);

// For the one child the full screen starts ($EDITOR): close every descriptor above standard
// error in the child, atomically with the spawn. glibc 2.34+ has it under _GNU_SOURCE only.
#include <spawn.h>
extern int posix_spawn_file_actions_addclosefrom_np(posix_spawn_file_actions_t *actions, int from);

// Globals and function-like macros do not import into Swift 6: wrap them.
static inline WINDOW *sotto_nc_stdscr(void) { return stdscr; }
static inline int sotto_nc_colors(void) { return COLORS; }
static inline int sotto_nc_color_pairs(void) { return COLOR_PAIRS; }
static inline attr_t sotto_nc_color_pair(int n) { return COLOR_PAIR(n); }
static inline attr_t sotto_nc_a_normal(void) { return A_NORMAL; }
static inline attr_t sotto_nc_a_bold(void) { return A_BOLD; }
static inline attr_t sotto_nc_a_dim(void) { return A_DIM; }
static inline attr_t sotto_nc_a_italic(void) { return A_ITALIC; }
static inline attr_t sotto_nc_a_underline(void) { return A_UNDERLINE; }
static inline attr_t sotto_nc_a_reverse(void) { return A_REVERSE; }
static inline const char *sotto_nc_version(void) { return curses_version(); }
#endif
