/** The first JSON object in a model's reply: a ```json fence, else the outermost {...}. Throws SyntaxError when there is none. */
export function extractJson(reply: string): unknown {
  const fence = /```(?:json)?\s*([\s\S]*?)```/i.exec(reply);
  const candidate = fence ? (fence[1] ?? '') : reply;
  const start = candidate.indexOf('{');
  const end = candidate.lastIndexOf('}');
  if (start < 0 || end <= start) throw new SyntaxError('no JSON object in the reply');
  return JSON.parse(candidate.slice(start, end + 1));
}
