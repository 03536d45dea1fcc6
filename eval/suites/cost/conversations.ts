/**
 * A seeded set of multi-turn conversations for several users. A user's first conversation tells
 * facts; later ones ask about them (so long-term memory, when present, has something to retrieve),
 * tell new facts and mix in ordinary requests. Deterministic under the seed.
 */
import { createRng, randomInt, type Rng } from '../../metrics/random';

export interface Conversation {
  /** e.g. "u1-c2" */
  id: string;
  /** index of the user (0-based); the suite turns it into a user id */
  user: number;
  turns: string[];
}

export interface ConversationPlan {
  users: number;
  conversationsPerUser: number;
  turnsPerConversation: number;
}

interface Fact {
  tell: (v: string) => string;
  ask: string;
  values: readonly string[];
}

const FACTS: readonly Fact[] = [
  { tell: (v) => `My sister lives in ${v} and I visit her every summer.`, ask: 'Where does my sister live again?', values: ['Lisbon', 'Osaka', 'Valparaíso', 'Tallinn', 'Nairobi'] },
  { tell: (v) => `I am allergic to ${v}, so please keep that in mind for recipes.`, ask: 'Can you remind me what I am allergic to?', values: ['peanuts', 'shellfish', 'sesame', 'kiwi', 'gluten'] },
  { tell: (v) => `My dog is called ${v}; he is a very energetic beagle.`, ask: "What's my dog's name?", values: ['Biscuit', 'Pepper', 'Noodle', 'Ziggy', 'Mochi'] },
  { tell: (v) => `I work as a ${v} at the city hospital.`, ask: 'What do I do for a living?', values: ['nurse', 'radiologist', 'pharmacist', 'paramedic', 'surgeon'] },
  { tell: (v) => `My favourite colour is ${v}, I painted my study in it.`, ask: 'Which colour did I paint my study?', values: ['teal', 'ochre', 'lavender', 'crimson', 'sage green'] },
  { tell: (v) => `I am learning to play the ${v} and practise every evening.`, ask: 'Which instrument am I learning?', values: ['cello', 'banjo', 'oboe', 'piano', 'ukulele'] },
  { tell: (v) => `My partner's name is ${v}; we met at a climbing gym.`, ask: "What's my partner called?", values: ['Amara', 'Jonas', 'Priya', 'Mateo', 'Ingrid'] },
  { tell: (v) => `I drive a ${v} that I bought second hand last year.`, ask: 'What car do I drive?', values: ['green Volvo estate', 'red Fiat Panda', 'white Toyota Prius', 'blue Honda Jazz', 'grey Skoda Octavia'] },
];

const REQUESTS: readonly string[] = [
  'Can you suggest a good book for a rainy weekend?',
  'How do I make a simple tomato sauce from scratch?',
  'Explain what a hash map is in one short paragraph.',
  'Any tips for sleeping better when the nights are warm?',
  'What is a good ten-minute stretching routine for the morning?',
  'Write a two-line poem about autumn leaves.',
  'How should I plan a three-day trip on a small budget?',
  'What are the pros and cons of working from home?',
  'Give me three ideas for a quick vegetarian dinner.',
  'How does compound interest work, with a small example?',
];

function pick<T>(rng: Rng, xs: readonly T[]): T {
  return xs[randomInt(rng, xs.length)] as T;
}

/** Fisher–Yates, in place. */
function shuffle<T>(rng: Rng, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = randomInt(rng, i + 1);
    [xs[i], xs[j]] = [xs[j] as T, xs[i] as T];
  }
  return xs;
}

/** The conversations of every user, in order: user 0's conversations first, each user's in the order they happen. */
export function buildConversations(plan: ConversationPlan, seed: number): Conversation[] {
  const rng = createRng(seed);
  const out: Conversation[] = [];
  for (let u = 0; u < plan.users; u++) {
    const order = shuffle(rng, FACTS.map((_, i) => i));
    const told: number[] = [];
    let next = 0;
    for (let c = 0; c < plan.conversationsPerUser; c++) {
      const turns: string[] = [];
      for (let t = 0; t < plan.turnsPerConversation; t++) {
        // first conversation: tell, request, tell, …; later ones: ask, tell, request, ask, …
        const kind = c === 0 ? (t % 2 === 0 ? 'tell' : 'request') : (['ask', 'tell', 'request'] as const)[t % 3];
        if (kind === 'ask' && told.length > 0) {
          turns.push((FACTS[pick(rng, told)] as Fact).ask);
        } else if (kind !== 'request' && next < order.length) {
          const i = order[next++] as number;
          const fact = FACTS[i] as Fact;
          turns.push(fact.tell(pick(rng, fact.values)));
          told.push(i);
        } else {
          turns.push(pick(rng, REQUESTS));
        }
      }
      out.push({ id: `u${u + 1}-c${c + 1}`, user: u, turns });
    }
  }
  return out;
}

/**
 * The in-process simulator's reply: deterministic per user message (it quotes it) and about 70 tokens
 * long, so the streamed and batch plays bill the same tokens unless the mode itself changes them
 * (seeded lorem would differ between the two plays, and so would the memories made from it).
 */
export const SIM_SCRIPT = [
  {
    pattern: '^([\\s\\S]*)$',
    reply:
      'Thanks for telling me: "$1". Here is a considered answer: start with the essentials, weigh the trade-offs that ' +
      'matter most to you, and take one small, concrete step today. If anything is unclear, tell me more about your ' +
      'situation and I will adapt the suggestion to your plans, your time and your budget.',
  },
];
