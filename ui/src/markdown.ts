import DOMPurify from 'dompurify';
import hljs from 'highlight.js/lib/core';
import bash from 'highlight.js/lib/languages/bash';
import css from 'highlight.js/lib/languages/css';
import diff from 'highlight.js/lib/languages/diff';
import go from 'highlight.js/lib/languages/go';
import java from 'highlight.js/lib/languages/java';
import javascript from 'highlight.js/lib/languages/javascript';
import json from 'highlight.js/lib/languages/json';
import python from 'highlight.js/lib/languages/python';
import rust from 'highlight.js/lib/languages/rust';
import sql from 'highlight.js/lib/languages/sql';
import typescript from 'highlight.js/lib/languages/typescript';
import xml from 'highlight.js/lib/languages/xml';
import yaml from 'highlight.js/lib/languages/yaml';
import { Marked } from 'marked';

// The common languages only: all of highlight.js would be most of the bundle.
for (const [name, lang] of Object.entries({ bash, css, diff, go, java, javascript, json, python, rust, sql, typescript, xml, yaml })) hljs.registerLanguage(name, lang);
hljs.registerAliases(['sh', 'shell', 'zsh'], { languageName: 'bash' });
hljs.registerAliases(['js', 'jsx'], { languageName: 'javascript' });
hljs.registerAliases(['ts', 'tsx'], { languageName: 'typescript' });
hljs.registerAliases(['html', 'svg'], { languageName: 'xml' });
hljs.registerAliases(['py'], { languageName: 'python' });
hljs.registerAliases(['yml'], { languageName: 'yaml' });

const marked = new Marked({ gfm: true, breaks: true });

// Links from an answer open elsewhere and pass nothing of this page.
DOMPurify.addHook('afterSanitizeAttributes', (node) => {
  if (node.tagName === 'A') {
    node.setAttribute('target', '_blank');
    node.setAttribute('rel', 'noopener noreferrer nofollow');
  }
});

/** Markdown → sanitised HTML (a model's answer is untrusted input). */
export function renderMarkdown(text: string): string {
  const html = marked.parse(text, { async: false });
  return DOMPurify.sanitize(html, { USE_PROFILES: { html: true }, FORBID_TAGS: ['style', 'form', 'input', 'button', 'textarea', 'select'] });
}

/** Highlights the code blocks under `root` (after the sanitised HTML is in the DOM). */
export function highlightCode(root: ParentNode): void {
  for (const block of root.querySelectorAll<HTMLElement>('pre code')) {
    if (block.dataset.highlighted) continue;
    const lang = /language-([\w-]+)/.exec(block.className)?.[1];
    const known = lang && hljs.getLanguage(lang);
    const result = known ? hljs.highlight(block.textContent ?? '', { language: lang, ignoreIllegals: true }) : hljs.highlightAuto(block.textContent ?? '');
    // highlight.js escapes the code it returns: its HTML is spans around escaped text.
    block.innerHTML = result.value;
    block.classList.add('hljs');
    block.dataset.highlighted = 'yes';
    block.parentElement?.setAttribute('tabindex', '0'); // scrollable code can be scrolled from the keyboard
  }
}
