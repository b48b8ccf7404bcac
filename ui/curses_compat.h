/*
 * curses_compat: the one place that includes curses.
 *
 * configure picks ncursesw when it is there (HAVE_NCURSESW) and plain ncurses
 * otherwise; _XOPEN_SOURCE_EXTENDED (set in AM_CPPFLAGS) exposes the wide
 * character API either way.  Every other ui/ file includes this header.
 */
#ifndef PGDECK_UI_CURSES_COMPAT_H
#define PGDECK_UI_CURSES_COMPAT_H

#ifdef HAVE_NCURSESW
#include <ncursesw/curses.h>
#else
#include <curses.h>
#endif

#endif
