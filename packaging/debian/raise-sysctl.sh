# raise_sysctl FILE [ROOT]: for each "key = value" line of a sysctl.d FILE, sets the running
# value under ROOT (default /proc/sys) to value where it is a number lower than value. A
# value already higher stays: a host tuned above the package's floor keeps its tuning.
# A key the kernel does not have (or cannot be written here, e.g. in a container) is
# reported and skipped; nothing here fails the install.
raise_sysctl() {
	_file=$1
	_root=${2:-/proc/sys}
	while IFS= read -r _line || [ -n "$_line" ]; do
		case $_line in '' | '#'* | ';'*) continue ;; esac
		_key=$(printf '%s' "${_line%%=*}" | tr -d ' \t')
		_want=$(printf '%s' "${_line#*=}" | tr -d ' \t')
		_path="$_root/$(printf '%s' "$_key" | tr . /)"
		if ! _have=$(cat "$_path" 2>/dev/null); then
			echo "sysctl $_key: not found here; it applies where the kernel has it" >&2
			continue
		fi
		case $_have in '' | *[!0-9]*) continue ;; esac
		case $_want in '' | *[!0-9]*) continue ;; esac
		if [ "$_have" -lt "$_want" ]; then
			if printf '%s\n' "$_want" 2>/dev/null >"$_path"; then
				echo "sysctl $_key: raised from $_have to $_want ($_file)"
			else
				echo "sysctl $_key: could not raise $_have to $_want here; it applies at boot ($_file)" >&2
			fi
		fi
	done <"$_file"
}
