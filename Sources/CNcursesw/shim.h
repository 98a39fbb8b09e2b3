// ncursesw with the wide-character API. Several curses "functions" are macros,
// which Swift cannot call; small inline wrappers expose them.
#ifndef LATENTSCOPE_CNCURSESW_SHIM_H
#define LATENTSCOPE_CNCURSESW_SHIM_H
#define NCURSES_WIDECHAR 1
#define _XOPEN_SOURCE_EXTENDED 1
#include <locale.h>
#include <wchar.h>
#include <ncursesw/curses.h>
#include <langinfo.h>
#include <ncursesw/term.h> /* last: it defines capability names (lines, columns, …) as macros */

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
static inline int ls_attr_underline(void) { return (int)A_UNDERLINE; }
static inline int ls_attr_normal(void) { return (int)A_NORMAL; }
static inline WINDOW *ls_curscr(void) { return curscr; }
/* The C streams are mutable globals, which Swift 6 refuses to read directly. */
static inline FILE *ls_stdout(void) { return stdout; }
static inline FILE *ls_stdin(void) { return stdin; }
/* wcwidth is hidden unless _XOPEN_SOURCE is set before the first libc header, which the
   Swift Glibc module has already included without it; declare it (POSIX.1-2001) here. */
extern int wcwidth(wchar_t c);
static inline int ls_wcwidth(wchar_t c) { return wcwidth(c); }
/* tigetstr returns (char *)-1 for a name that is not a string capability. */
static inline const char *ls_tigetstr(const char *name) {
    char *value = tigetstr(name);
    return value == (char *)-1 ? NULL : value;
}
/* The colours the terminfo entry for `term` declares (-1 when it names none), or -2 when
   there is no entry. Loads the entry apart from any screen and frees it again. */
static inline int ls_terminfo_colors(const char *term) {
    TERMINAL *saved = cur_term;
    int error = 0;
    if (setupterm(term, -1, &error) != OK) { set_curterm(saved); return -2; }
    int count = tigetnum("colors");
    TERMINAL *loaded = set_curterm(saved);
    if (loaded && loaded != saved) del_curterm(loaded);
    return count < -1 ? -1 : count;
}
/* The character set of the current locale (LC_CTYPE), e.g. "UTF-8" or "ANSI_X3.4-1968". */
static inline const char *ls_codeset(void) { return nl_langinfo(CODESET); }
#endif
