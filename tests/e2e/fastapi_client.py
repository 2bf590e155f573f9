"""A client of the FastAPI proxy's /stream/SYM, as its users write them
(Python websockets): the snapshot, then updates until N trades, a ping
answered by a pong, and a heartbeat while the feed is quiet. Prints each
message's type and sym, then every trade as JSON, one a line.
usage: fastapi_client.py ws://HOST:PORT SYM N"""
import asyncio, json, sys, websockets

def show(x):
    print(json.dumps(x, separators=(",", ":")))

async def main():
    base, sym, want = sys.argv[1], sys.argv[2], int(sys.argv[3])
    async with websockets.connect(f"{base}/stream/{sym}") as ws:
        snap = json.loads(await asyncio.wait_for(ws.recv(), 30))
        show({"type": snap["type"], "sym": snap["sym"], "data": snap["data"]})
        got = 0
        while got < want:
            msg = json.loads(await asyncio.wait_for(ws.recv(), 60))
            if msg["type"] == "update":
                assert msg["sym"] == snap["sym"], msg
                for t in msg["trades"]:
                    show(t)
                got += len(msg["trades"])
        await ws.send(json.dumps({"action": "ping"}))
        while (msg := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "pong":
            pass
        show({"type": "pong"})
        while (msg := json.loads(await asyncio.wait_for(ws.recv(), 30)))["type"] != "heartbeat":
            pass
        show({"type": "heartbeat"})

asyncio.run(main())
