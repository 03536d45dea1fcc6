# Memocha server. Build: docker build -t memocha .   Run: docker run -p 3000:3000 memocha
FROM node:20-bookworm-slim
WORKDIR /app
ENV HOST=0.0.0.0 PORT=3000 DATA_DIR=/data
COPY package.json package-lock.json .npmrc ./
# tsx (a devDependency) runs the TypeScript sources: install dev dependencies too. Scripts wait for the
# sources: the prepare script builds the web UI (ui/, which imports eval/ code) with vite.
RUN npm ci --include=dev --ignore-scripts --no-audit --no-fund
COPY . .
RUN npm rebuild && npm run build:ui
RUN mkdir -p /data && chown node:node /data
ENV NODE_ENV=production
USER node
VOLUME ["/data"]
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s CMD node -e "fetch('http://127.0.0.1:3000/healthz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"
# node itself is PID 1 (no npm/npx/sh in between), so docker stop's SIGTERM reaches the server.
CMD ["node", "--import", "tsx", "serve/main.ts"]
