# ALL-USE image for the api, worker, ib-sim and migrate services (docker-compose.yml picks the
# command). Debian (glibc), not Alpine: @temporalio/core-bridge ships glibc binaries only.
ARG NODE_IMAGE=node:20.19.5-bookworm-slim

# --- build: all dependencies, Prisma client, TypeScript -> dist/ ---
FROM ${NODE_IMAGE} AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: the project's postinstall (prisma generate) needs prisma/, copied next;
# no dependency's install script is needed (PLATFORM.md).
RUN npm ci --ignore-scripts
COPY prisma ./prisma
COPY prisma.config.ts tsconfig.json ./
RUN node_modules/.bin/prisma generate
COPY src ./src
COPY workflows ./workflows
COPY activities ./activities
COPY temporal ./temporal
RUN node_modules/.bin/tsc -p tsconfig.json
# The command center (served at /ui by the API): built here, only ui/dist goes to the image.
COPY ui ./ui
RUN node_modules/.bin/tsc -p ui/tsconfig.json && node_modules/.bin/vite build --config ui/vite.config.mts

# --- prod-deps: runtime dependencies only, with their own generated Prisma client ---
FROM ${NODE_IMAGE} AS prod-deps
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev --ignore-scripts
COPY prisma ./prisma
COPY prisma.config.ts ./
RUN node_modules/.bin/prisma generate

# --- runtime ---
FROM ${NODE_IMAGE}
ENV NODE_ENV=production
WORKDIR /app
COPY --from=prod-deps /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/ui/dist ./ui/dist
# prisma/ and prisma.config.ts: `prisma migrate deploy` (the migrate service) reads them.
COPY package.json prisma.config.ts ./
COPY prisma ./prisma
USER node
# api 8080; worker metrics 9464 (Temporal SDK) and 9465 (app); ib-sim 4002 (TWS) and 4003 (admin)
EXPOSE 8080 9464 9465 4002 4003
CMD ["node", "dist/src/api/main.js"]
