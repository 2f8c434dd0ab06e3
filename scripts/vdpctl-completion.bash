# SPDX-License-Identifier: BSD-3-Clause
# Copyright (c) 2026 The vdp authors.
#
# bash completion of vdpctl, installed as
# share/bash-completion/completions/vdpctl. Command words come from the
# running vdp's "help --json", port names from its "show port info all",
# each asked when a Tab needs it: what is completed is what that vdp takes.
# Needs bash alone (not the bash-completion package's helpers).

# _vdpctl_strings KEY VDPCTL...: the string values of KEY in the JSON the
# command prints, one per line (vdp's strings hold no quotes).
_vdpctl_strings() {
	local key=$1
	shift
	"$@" 2> /dev/null | grep -o "\"$key\": *\"[^\"]*\"" | sed 's/^[^:]*: *"//; s/"$//'
}

# _vdpctl_alts WORD: the alternatives of one word of a syntax, one per
# line: "[dry-run|apply]" gives dry-run and apply; "[engine=virtq|rte]"
# is one, engine=... .
_vdpctl_alts() {
	local w=${1#[}
	w=${w%]}
	case $w in
	"|") ;;
	*=*) printf '%s\n' "$w" ;;
	*) printf '%s\n' "${w//|/$'\n'}" ;;
	esac
}

# _vdpctl_fits WORD TYPED: whether a typed word fits a word of a syntax.
_vdpctl_fits() {
	local a
	while read -r a; do
		case $a in
		"<"*) return 0 ;;
		*=*) [[ $2 == "${a%%=*}="* ]] && return 0 ;;
		*) [ "$a" = "$2" ] && return 0 ;;
		esac
	done < <(_vdpctl_alts "$1")
	return 1
}

# _vdpctl_syntaxes VDPCTL...: every command's syntax, one per line. One
# whose arguments are alternatives of several words ("set auto-lb on|off |
# interval <s>") gives a line per alternative, each after the command's
# words ("set auto-lb interval <s>").
_vdpctl_syntaxes() {
	local s first pre alt
	while read -r s; do
		case $s in
		*" | "*)
			first=${s%% | *}
			pre=${first% *}
			printf '%s\n' "$first"
			s=${s#* | }
			while :; do
				alt=${s%% | *}
				printf '%s %s\n' "$pre" "$alt"
				[ "$alt" = "$s" ] && break
				s=${s#* | }
			done ;;
		*) printf '%s\n' "$s" ;;
		esac
	done < <(_vdpctl_strings syntax "$@" --json help)
}

_vdpctl() {
	local cur=${COMP_WORDS[COMP_CWORD]} prev=${COMP_WORDS[COMP_CWORD - 1]}
	local -a ctl=("${COMP_WORDS[0]}") typed syn next
	local i=1 k n s a w cands="" ports=""

	COMPREPLY=()
	if [ "$prev" = -s ] || [ "$prev" = --socket ]; then
		mapfile -t COMPREPLY < <(compgen -f -- "$cur")
		return
	fi
	# vdpctl's own options, then the command.
	while [ "$i" -lt "$COMP_CWORD" ]; do
		case ${COMP_WORDS[i]} in
		-s | --socket) ctl+=(-s "${COMP_WORDS[i + 1]}") && i=$((i + 2)) ;;
		-*) i=$((i + 1)) ;;
		*) break ;;
		esac
	done
	if [ "$i" -eq "$COMP_CWORD" ] && [[ $cur == -* ]]; then
		mapfile -t COMPREPLY < <(compgen -W "-s --socket --json --help" -- "$cur")
		return
	fi
	typed=("${COMP_WORDS[@]:i:COMP_CWORD-i}")
	n=${#typed[@]}
	while read -r s; do
		read -r -a syn <<< "$s"
		# The words before the first [optional] one are positional; a
		# typed word after them may be any of the optional ones.
		for ((k = 0; k < ${#syn[@]}; k++)); do
			[[ ${syn[k]} == "["* ]] && break
		done
		[ "$n" -lt "${#syn[@]}" ] || continue
		for ((i = 0; i < n; i++)); do
			if [ "$i" -lt "$k" ]; then
				_vdpctl_fits "${syn[i]}" "${typed[i]}" || continue 2
				continue
			fi
			for w in "${syn[@]:k}"; do
				_vdpctl_fits "$w" "${typed[i]}" && continue 2
			done
			continue 2
		done
		if [ "$n" -lt "$k" ]; then next=("${syn[n]}"); else next=("${syn[@]:k}"); fi
		for w in "${next[@]}"; do
			while read -r a; do
				case $a in
				"<port>"*)
					[ -n "$ports" ] || ports=$(_vdpctl_strings name "${ctl[@]}" \
						--json show port info all)
					cands+=" $ports" ;;
				"<"*) ;;
				*=*) cands+=" ${a%%=*}=" ;;
				*) cands+=" $a" ;;
				esac
			done < <(_vdpctl_alts "$w")
		done
	done < <(_vdpctl_syntaxes "${ctl[@]}")
	mapfile -t COMPREPLY < <(compgen -W "$cands" -- "$cur" | sort -u)
	[[ ${COMPREPLY[0]} == *= ]] && compopt -o nospace 2> /dev/null
}

complete -F _vdpctl vdpctl
