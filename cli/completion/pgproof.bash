# bash completion for pgproof.
# Commands and options are read from the installed binary's own --help, so they never drift from it.
# A value is completed from the option's placeholder in that help: FILE or PATH completes files,
# DIR folders, a list such as exact|no-loss its words; URL, N, NAME and DURATION are left to the user.

_pgproof_commands() {
    "$1" --help 2>/dev/null | sed -n '/^Commands:/,/^$/s/^  \([a-z][a-z-]*\) .*/\1/p'
}

# One line per option of a command: its names, then its placeholder if it takes a value,
# e.g. "-o --output FILE|-", "--mode exact|no-loss", "--keep". A placeholder is the word after the names
# when it is in capitals or a list with |; the description that follows starts in lower case.
_pgproof_option_lines() {
    "$1" "$2" --help 2>/dev/null | sed -n '/^Options:/,$p' | awk '
        /^  -/ {
            out = ""
            for (i = 1; i <= NF; i++) {
                w = $i
                if (w == "[" || w == "]") continue
                if (w ~ /^-/) { out = out " " w; continue }
                sub(/^\[=/, "", w); sub(/\(.*/, "", w); sub(/\]$/, "", w)
                if (w ~ /^[A-Z]/ || w ~ /\|/) out = out " " w
                break
            }
            print substr(out, 2)
        }'
}

_pgproof() {
    local cur prev words cword
    if declare -F _init_completion >/dev/null; then
        _init_completion -n = || return
    else
        cur=${COMP_WORDS[COMP_CWORD]}; prev=${COMP_WORDS[COMP_CWORD-1]}; words=("${COMP_WORDS[@]}"); cword=$COMP_CWORD
    fi
    local bin=${words[0]}
    if [[ $cword -eq 1 ]]; then
        COMPREPLY=($(compgen -W "$(_pgproof_commands "$bin") --help --version" -- "$cur"))
        return
    fi
    local command=${words[1]} i
    # After a bare --, backup passes the words to pg_dump.
    for ((i = 2; i < cword; i++)); do
        [[ ${words[i]} == -- ]] && { COMPREPLY=($(compgen -f -- "$cur")); return; }
    done
    local line names="" placeholder="" takes=""
    while read -r line; do
        [[ -z $line ]] && continue
        local name last=${line##* } matched=""
        for name in $line; do
            [[ $name == -* ]] && { names+=" $name"; [[ $name == "$prev" ]] && matched=1; }
        done
        # psql's spellings of --db: every command that has --db accepts -d and --dbname.
        [[ $line == "--db "* ]] && { names+=" -d --dbname"; [[ $prev == -d || $prev == --dbname ]] && matched=1; }
        [[ -n $matched && $last != -* ]] && { takes=1; placeholder=$last; }
    done <<<"$(_pgproof_option_lines "$bin" "$command")"
    if [[ -n $takes ]]; then
        case $placeholder in
            *DIR*) COMPREPLY=($(compgen -d -- "$cur")) ;;
            *FILE* | *PATH*) COMPREPLY=($(compgen -f -- "$cur")) ;;
            *'|'*) COMPREPLY=($(compgen -W "${placeholder//|/ }" -- "$cur")) ;;
            *) COMPREPLY=() ;;
        esac
        return
    fi
    if [[ $cur == -* ]]; then
        COMPREPLY=($(compgen -W "$names" -- "$cur"))
    else
        COMPREPLY=($(compgen -f -- "$cur"))
    fi
}
complete -o filenames -o bashdefault -F _pgproof pgproof
