import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));

// Two pages: the chat at / and the dashboard at /dashboard/. serve/routes/ui.ts serves ui/dist.
export default defineConfig({
  root,
  base: '/',
  build: {
    outDir: resolve(root, 'dist'),
    emptyOutDir: true,
    target: 'es2022',
    rollupOptions: {
      input: {
        chat: resolve(root, 'index.html'),
        dashboard: resolve(root, 'dashboard/index.html'),
      },
    },
  },
});
