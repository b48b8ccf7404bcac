#include "config.h"

#include "ui/palette.h"

static attr_t palette_attrs[THEME_ROLE__COUNT];
static int palette_color_on;

static attr_t palette_bits(int bits);

static attr_t palette_bits(int bits)
{
    attr_t a = A_NORMAL;

    if (bits & THEME_BOLD)
        a |= A_BOLD;
    if (bits & THEME_DIM)
        a |= A_DIM;
    if (bits & THEME_UNDERLINE)
        a |= A_UNDERLINE;
    if (bits & THEME_REVERSE)
        a |= A_REVERSE;
    if (bits & THEME_STANDOUT)
        a |= A_STANDOUT;
    return a;
}

void palette_apply(const struct theme *t, int color)
{
    static int started, defaults;
    int i;

    palette_color_on = color && !t->mono && has_colors();
    if (palette_color_on && !started) {
        start_color();
        started = 1;
    }
    if (palette_color_on && t->use_default_colors && !defaults)
        defaults = use_default_colors() == OK;
    for (i = 0; i < THEME_ROLE__COUNT; i++) {
        const struct theme_style *st = &t->roles[i];
        attr_t a = palette_bits(st->attrs);
        short fg = st->fg, bg = st->bg;

        if (palette_color_on && (fg >= 0 || bg >= 0)) {
            if (fg >= 8 && COLORS < 16) {
                fg = (short)(fg - 8);
                a |= A_BOLD;
            }
            if (bg >= 8 && COLORS < 16)
                bg = (short)(bg - 8);
            if (!defaults) {
                fg = fg < 0 ? COLOR_WHITE : fg;
                bg = bg < 0 ? COLOR_BLACK : bg;
            }
            if (init_pair((short)(i + 1), fg, bg) == OK)
                a |= COLOR_PAIR(i + 1);
        }
        palette_attrs[i] = a;
    }
}

attr_t palette_attr(enum theme_role role)
{
    return (unsigned)role < THEME_ROLE__COUNT ? palette_attrs[role] : A_NORMAL;
}

int palette_colored(void)
{
    return palette_color_on;
}
