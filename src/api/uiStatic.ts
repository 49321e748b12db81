/**
 * Serves the command center (the Vite build in ui/dist) under /ui: hashed assets cached for a
 * year, every other path under /ui answered with index.html (the app routes on the client).
 * Its own CSP: scripts, styles and data only from this origin (the app has no inline script).
 * Not built: a short page saying how to build it, never a crash.
 */
import fs from 'node:fs';
import path from 'node:path';
import express, { Router } from 'express';

// From src/api (tsx) or dist/src/api (compiled): the first candidate that exists.
const candidates = [path.resolve(__dirname, '..', '..', 'ui', 'dist'), path.resolve(__dirname, '..', '..', '..', 'ui', 'dist')];
export const UI_DIST = candidates.find((d) => fs.existsSync(d)) ?? candidates[0]!;

const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

export function uiRouter(dist = UI_DIST): Router {
  const r = Router();
  r.use((_req, res, next) => {
    res.setHeader('Content-Security-Policy', CSP);
    next();
  });
  r.use('/assets', express.static(path.join(dist, 'assets'), { immutable: true, maxAge: '365d', index: false }), (_req, res) => {
    res.status(404).type('text/plain').send('no such asset\n');
  });
  r.use(express.static(dist, { index: false, maxAge: 0 }));
  r.get(/.*/, (_req, res) => {
    const index = path.join(dist, 'index.html');
    if (!fs.existsSync(index)) {
      res.status(503).type('text/plain').send('The command center is not built yet: run `npm run ui:build` (npm start builds it when needed).\n');
      return;
    }
    res.setHeader('Cache-Control', 'no-cache');
    res.sendFile(index);
  });
  return r;
}
