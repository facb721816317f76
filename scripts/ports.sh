# Sourced by the tests and the demo: loopback ports for the servers they
# start (gss-server, Apache), waited for with ss, never by connecting
# (gss-server -once serves exactly one connection).

# free_port: a TCP port no socket uses, below the kernel's ephemeral range
# (32768 and up on Debian), where an outgoing connection could take it
# between this look and the server's bind.
free_port() {
	port=$((20000 + $$ % 12000))
	while ss -tanH "sport = :$port" | grep -q .; do
		port=$((port + 1))
	done
	echo "$port"
}

# wait_for_port PORT PID: until something listens on PORT; fails when PID
# has exited or after 10 seconds.
wait_for_port() {
	tries=0
	until ss -ltnH "sport = :$1" | grep -q .; do
		tries=$((tries + 1))
		if [ "$tries" -gt 100 ] || ! kill -0 "$2" 2>/dev/null; then
			return 1
		fi
		sleep 0.1
	done
}
