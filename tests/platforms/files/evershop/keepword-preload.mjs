// Loaded into EverShop's node processes with NODE_OPTIONS=--import (tests/platforms/evershop.py):
// 1. every server listens on 127.0.0.1 only (EverShop calls server.listen(PORT), which would take
//    every interface);
// 2. a fault switch for tests: the file named by KEEPWORD_ES_FAIL_FILE holds lines
//    "METHOD PATH-PREFIX STATUS" ("POST /api/cart 500", "* /checkout 500"); a request that matches
//    is answered with that status and a bare "Internal Server Error" page before EverShop sees it,
//    as a broken server would answer. No file: no effect.
import { existsSync, readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';

const listen = net.Server.prototype.listen;
net.Server.prototype.listen = function keepwordLoopbackListen(...args) {
  const port = args[0];
  if ((typeof port === 'number' || (typeof port === 'string' && /^\d+$/.test(port)))
      && typeof args[1] !== 'string') {
    args.splice(1, 0, '127.0.0.1');
  }
  return listen.apply(this, args);
};

function failure(request) {
  const file = process.env.KEEPWORD_ES_FAIL_FILE;
  if (!file || !existsSync(file)) {
    return 0;
  }
  for (const line of readFileSync(file, 'utf8').split('\n')) {
    const [method, prefix, status] = line.trim().split(/\s+/);
    if (!prefix) {
      continue;
    }
    if ((method === '*' || method === request.method) && (request.url || '').startsWith(prefix)) {
      return Number(status || 500);
    }
  }
  return 0;
}

const emit = http.Server.prototype.emit;
http.Server.prototype.emit = function keepwordFaultSwitch(event, request, response, ...rest) {
  if (event === 'request') {
    const status = failure(request);
    if (status) {
      response.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8' });
      response.end('<!DOCTYPE html><html><head><title>Internal Server Error</title></head>'
        + '<body><h1>Internal Server Error</h1><p>The server encountered an internal error.</p></body></html>');
      return true;
    }
  }
  return emit.call(this, event, request, response, ...rest);
};
