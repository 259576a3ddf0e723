# Charcha in a container: built with the dev dependencies, run with the
# production ones only, as the unprivileged `node` user. The database
# (SQLite) and the generated secret live in the /data volume; with
# PostgreSQL set DATABASE_URL and SECRET_KEY instead (docs/operations.md).

FROM node:24-bookworm-slim AS build
WORKDIR /app
# Native modules (better-sqlite3, argon2) come prebuilt; these build them when no binary fits.
RUN apt-get update && apt-get install -y --no-install-recommends python3 make g++ && rm -rf /var/lib/apt/lists/*
COPY package.json package-lock.json ./
RUN npm ci --ignore-scripts && npm rebuild
COPY . .
RUN npm run build && npm prune --omit=dev

FROM node:24-bookworm-slim
ENV NODE_ENV=production HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
WORKDIR /app
COPY --from=build /app/package.json ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
# `charcha migrate`, `charcha createsuperuser` … inside the container, as in the Procfile.
RUN mkdir /data && chown node:node /data \
  && printf '#!/bin/sh\nexec node /app/dist/cli.js "$@"\n' > /usr/local/bin/charcha && chmod +x /usr/local/bin/charcha
USER node
VOLUME /data
EXPOSE 3000
CMD ["node", "dist/cli.js", "serve"]
