// The packet end of explain-property.test.ts, run inside one namespace (a workload or the
// "external" host): listens on the given TCP and UDP ports (TCP: accept, UDP: echo every
// datagram to its sender), and answers probes read as JSON lines on stdin — a TCP connect,
// a UDP datagram that must come back, or one ICMP echo (busybox ping) — with
// {"id": …, "ok": true|false} on stdout. One long-lived process per namespace, so a probe
// costs a socket, not a node start. argv: <marker (the topology's directory, for cleanup)> <port>...
import net from 'node:net';
import dgram from 'node:dgram';
import readline from 'node:readline';
import { execFile } from 'node:child_process';
import os from 'node:os';

const ports = process.argv.slice(3).map(Number);
// UDP echo sockets are bound to each address of the namespace (all configured before this
// starts), not to 0.0.0.0: a wildcard socket would answer from the primary address, and a
// datagram sent to a second address (an allowed address pair) would get a reply its sender
// does not recognize.
const addresses = Object.values(os.networkInterfaces())
  .flat()
  .filter((a) => a && a.family === 'IPv4' && !a.internal)
  .map((a) => a.address);
let listening = 0;
const up = () => {
  if (++listening === ports.length * (1 + addresses.length)) process.stdout.write('{"ready":true}\n');
};
for (const port of ports) {
  net.createServer((s) => s.on('error', () => {}).end('ok\n')).listen(port, '0.0.0.0', up);
  for (const address of addresses) {
    const udp = dgram.createSocket('udp4');
    udp.on('message', (msg, rinfo) => udp.send(msg, rinfo.port, rinfo.address));
    udp.bind(port, address, up);
  }
}

function tcp(p) {
  return new Promise((resolve) => {
    const s = net.connect({ host: p.dst, port: p.port, ...(p.src ? { localAddress: p.src } : {}) });
    const done = (ok) => {
      clearTimeout(timer);
      s.destroy();
      resolve(ok);
    };
    const timer = setTimeout(() => done(false), p.timeoutMs);
    s.on('connect', () => done(true));
    s.on('error', () => done(false));
  });
}

function udp(p) {
  return new Promise((resolve) => {
    const s = dgram.createSocket('udp4');
    const token = `probe-${p.id}-${Math.random()}`;
    let timer;
    const done = (ok) => {
      clearTimeout(timer);
      try {
        s.close();
      } catch {}
      resolve(ok);
    };
    s.on('error', () => done(false));
    s.on('message', (msg, rinfo) => {
      if (String(msg) === token && rinfo.address === p.dst && rinfo.port === p.port) done(true);
    });
    s.bind(p.src ? { address: p.src, port: 0 } : 0, () => {
      timer = setTimeout(() => done(false), p.timeoutMs);
      s.send(token, p.port, p.dst, (err) => err && done(false));
    });
  });
}

function icmp(p) {
  return new Promise((resolve) => {
    const seconds = String(Math.max(1, Math.round(p.timeoutMs / 1000)));
    const args = ['ping', '-c', '1', '-W', seconds, ...(p.src ? ['-I', p.src] : []), p.dst];
    execFile('busybox', args, { timeout: p.timeoutMs + 2000 }, (err) => resolve(!err));
  });
}

const kinds = { tcp, udp, icmp };
readline.createInterface({ input: process.stdin }).on('line', async (line) => {
  const p = JSON.parse(line);
  const ok = await kinds[p.kind](p).catch(() => false);
  process.stdout.write(`${JSON.stringify({ id: p.id, ok })}\n`);
});
process.stdin.on('end', () => process.exit(0));
