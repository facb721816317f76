# Sourced by the Quick start scripts: configure and build in the source
# tree (once; later runs rebuild only what changed).
build_project() {
	[ -x ./configure ] || autoreconf -fi >/dev/null 2>&1 ||
		{ echo "error: autoreconf failed" >&2; exit 1; }
	[ -f Makefile ] || ./configure -q ||
		{ echo "error: configure failed; see config.log" >&2; exit 1; }
	make -j"$(nproc)" >/dev/null ||
		{ echo "error: the build failed; run make to see why" >&2; exit 1; }
}
