#!/usr/bin/env bash
# A refusal's code decides, not its words (man 5 tick: X carries a code in
# its header's table field). tick-sub reconnects after a cut-off (code 4)
# whatever the message says, and ends at any other refusal even if its
# message reads "cut off"; tick-pub sends the code a refusal's cause has.
source "$(dirname "$0")/lib.sh"

# A server that answers each subscription with the next refusal in line.
port=$(free_port)
cat > fake.py << EOF
import socket, struct, sys
sys.path.insert(0, '$HERE')
from tickrec import record
refusals = [(4, 'please come back'), (0, 'cut off: but without the code')]
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(('127.0.0.1', $port)); srv.listen(4)
print('listening', flush=True)
for code, why in refusals:
    c, _ = srv.accept()
    c.recv(4096)  # its subscription
    b = why.encode()
    c.sendall(record('X', struct.pack('<I', len(b)) + b, table=code))
    c.close()
    print('refused', code, flush=True)
EOF
$PY fake.py > fake.out 2> fake.err &
fake=$!
wait_for grep -q listening fake.out
expect_status 1 timeout 60 tick-sub 127.0.0.1:$port
expect_match "$(cat err)" "127.0.0.1:$port: please come back; reconnecting" "code 4 (cut off): tick-sub reconnects"
expect_match "$(tail -1 err)" "^tick-sub: 127.0.0.1:$port: refused: cut off: but without the code$" \
  "another code: tick-sub ends, whatever the words"
wait $fake
expect_eq "$(grep refused fake.out | tr '\n' ' ')" "refused 4 refused 0 " "both refusals were sent"

# tick-pub's codes: an unknown table (2), a bad subscription (1).
pport=$(free_port)
mkfifo feed
tick-pub -l :$pport < feed 2> pub.err &
exec 3> feed
wait_for grep -q listening pub.err
tick-gen --seed 1 --count 10 --syms 2 >&3  # its tables
$PY - << EOF > codes.out
import socket, struct, sys
sys.path.insert(0, '$HERE')
from tickrec import record, subscribe
def ask(msg):
    s = socket.create_connection(('127.0.0.1', $pport), timeout=60); s.sendall(msg)
    data = b''
    while True:
        d = s.recv(65536)
        if not d: break
        data += d
    at = 0
    while at + 16 <= len(data):
        n, typ, flags, table = struct.unpack_from('<IBBH', data, at + 4)
        if chr(typ) == 'X':
            return table, data[at + 20: at + 20 + struct.unpack_from('<I', data, at + 16)[0]].decode()
        at += 16 + n
print(*ask(subscribe(tables=['nosuch'])), sep='|')
print(*ask(record('P', struct.pack('<QQ', 1, 1))), sep='|')
EOF
expect_eq "$(sed -n 1p codes.out)" "2|unknown table 'nosuch'" "tick-pub: unknown table, code 2"
expect_match "$(sed -n 2p codes.out)" "^1\|expected a subscribe message" "tick-pub: a bad subscription, code 1"
exec 3>&-
done_ok
