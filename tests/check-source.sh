#!/bin/sh
# check-source: what clang-format cannot see.  One TAP case per rule, over
# every .c and .h under src/, ui/ and tests/.  Rules:
#   banned calls: sprintf strcpy strcat strtok atoi gets system
#   no // comments, no assignment inside if (...), !ptr rather than == NULL
#   no synchronous network or SQL in the console (PQexec, PQconnectdb, curl_easy_perform, sleep)
srcdir=${srcdir:-.}
. "$srcdir/tests/lib/tap.sh"
cd "$srcdir" || exit 99
files=$(find src ui tests -name '*.[ch]' | sort)
console=$(find src ui -name '*.[ch]' -not -path 'src/platformd/*' | sort)

rule() { # rule DESC REGEX FILES...
    desc=$1; re=$2; shift 2
    # strip string literals and /* */ one-line comments before matching
    hits=$(for f in "$@"; do
        sed -e 's/"\([^"\\]\|\\.\)*"/""/g' -e 's:/\*.*\*/::g' "$f" |
            grep -nE -- "$re" | sed "s|^|$f:|"
    done)
    if [ -z "$hits" ]; then
        tap_check 0 "$desc"
    else
        tap_check 1 "$desc"
        tap_diag "$hits"
    fi
}

# shellcheck disable=SC2086
{
rule "no banned calls (sprintf strcpy strcat strtok atoi gets system)" \
    '(^|[^_a-zA-Z0-9.>])(sprintf|vsprintf|strcpy|strcat|strtok|atoi|atol|gets|system)[[:space:]]*\(' $files
rule "no // comments" '^[^"]*[^:]//' $files
rule "no assignment inside if ()" '\<if \(.*[^=!<>]=[^=].*\) *\{?$' $files
rule "!ptr rather than == NULL / != NULL" '[!=]= *NULL' $files
rule "no blocking network or SQL calls in the console" \
    '(PQexec|PQconnectdb|PQsetdbLogin|PQgetResult_blocking|curl_easy_perform|[^_a-z]sleep|usleep|nanosleep)[[:space:]]*\(' $console
}
tap_done
