// ncursesw with the wide-character API. Several curses "functions" are macros,
// which Swift cannot call; small inline wrappers expose them.
#ifndef LATENTSCOPE_CNCURSESW_SHIM_H
#define LATENTSCOPE_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>

static inline int ls_color_pair(int n) { return COLOR_PAIR(n); }
static inline int ls_lines(void) { return LINES; }
static inline int ls_cols(void) { return COLS; }
static inline int ls_colors(void) { return COLORS; }
static inline int ls_color_pairs(void) { return COLOR_PAIRS; }
static inline WINDOW *ls_stdscr(void) { return stdscr; }
static inline int ls_attr_bold(void) { return (int)A_BOLD; }
static inline int ls_attr_reverse(void) { return (int)A_REVERSE; }
static inline int ls_attr_dim(void) { return (int)A_DIM; }
static inline int ls_key_resize(void) { return KEY_RESIZE; }
#endif
