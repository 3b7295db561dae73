# The Tollgate API server. In compose it runs against a ClickHouse server (CLICKHOUSE_URL); the
# embedded engine is still installed (it is a regular dependency) but never opened in that mode.
FROM node:20-bookworm-slim
WORKDIR /app
COPY package.json package-lock.json ./
COPY apps ./apps
COPY packages ./packages
RUN npm ci --omit=dev --no-audit --no-fund && npm cache clean --force
ENV NODE_ENV=production HOST=0.0.0.0 PORT=8080 TOLLGATE_DATA_DIR=/data
VOLUME /data
EXPOSE 8080
USER node
CMD ["node", "apps/cli/bin/tollgate.js", "serve"]
