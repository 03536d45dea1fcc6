/** What the memory suite produces per question, for its own metrics and for the RAG suite. */

export interface RetrievedMemory {
  id: string;
  text: string;
  score: number;
  /** dataset turn ids this memory was made from (e.g. ["D1:3","D1:4"]) */
  turnIds: string[];
  createdAt: string;
  sessionId: string | null;
}

export interface QaRecord {
  questionId: string;
  conversationId: string;
  category: string;
  question: string;
  /** gold answer; null = not answerable from memory */
  reference: string | null;
  /** LoCoMo category 5: the plausible wrong answer */
  adversarialAnswer?: string;
  evidence: string[];
  stale: string[];
  /** the texts of the evidence turns */
  evidenceTexts: string[];
  /** the configured LLM's answer, asked through the chat endpoint in a new session */
  answer: string;
  /** memories ranked by retrieval (up to the evaluation depth), best first */
  retrieved: RetrievedMemory[];
  /** the memories the chat actually put in the prompt (after the token budget) */
  contexts: string[];
  error?: string;
}
