# Time of one sealed wrap + unwrap by message size, from bench/run.sh.
# Set on the command line: datafile (columns: size, krb5, sodium and floor
# in microseconds, NaN where missing), output (a PNG file) and krb5 (the
# enctype of krb5's session key).
if (strstrt(GPVAL_TERMINALS, "pngcairo") > 0) {
	set terminal pngcairo size 960,640 font "sans,11"
} else {
	set terminal png size 960,640
}
set encoding utf8
set output output
set title "wrap + unwrap, sealed (conf on), in one process through MIT's mechglue"
set xlabel "message size (bytes)"
set ylabel "time per wrap + unwrap (µs), log scale"
set logscale xy
set xtics ("64 B" 64, "1 KiB" 1024, "64 KiB" 65536)
set xrange [40:100000]
set grid xtics ytics mytics
set key top left box opaque
set datafile missing "NaN"
plot datafile using 1:2 with linespoints lw 2 pt 7 title sprintf("krb5 (MIT, %s)", krb5), \
     datafile using 1:3 with linespoints lw 2 pt 5 title "gss-sodium", \
     datafile using 1:4 with linespoints lw 2 pt 9 dt 2 title "floor: libsodium ChaCha20-Poly1305 seal + open"
