/**
 * People, greetings and small talk. Small talk never states a fact that a question asks about
 * (no cities, jobs, food with meat or fish, drinks, pets, travel, plants, family).
 */
import type { Exchange, Rand } from './types';
import { a, u } from './types';

export const USER_NAMES = [
  'Amara', 'Jonas', 'Priya', 'Mateo', 'Hannah', 'Kwame', 'Sofia', 'Liam', 'Mei', 'Tomasz', 'Aisha', 'Ravi',
  'Elena', 'Oskar', 'Chloé', 'Daniel', 'Yuki', 'Fatima', 'Noah', 'Ingrid', 'Samuel', 'Leila', 'Marcus', 'Zoe',
  'Rosa', 'Kenji', 'Ifeoma', 'Lukas', 'Nora', 'Diego',
] as const;

const WOMEN = ['Nadia', 'Bea', 'Greta', 'Ama', 'Lucía', 'Iris', 'Carmen', 'Ruth'];
const MEN = ['Felix', 'Theo', 'Imran', 'Hugo', 'Pavel', 'Dev', 'Olu', 'Stefan'];
const RELATIONS = ['my sister', 'my brother', 'my coworker', 'my neighbour', 'my friend', 'my cousin', 'my flatmate', 'my old school friend'];

/** e.g. "my coworker Felix" — someone whose details must not be taken for the user's. */
export function otherPerson(r: Rand): string {
  const relation = r.pick(RELATIONS);
  const names = relation === 'my sister' ? WOMEN : relation === 'my brother' ? MEN : [...WOMEN, ...MEN];
  return `${relation} ${r.pick(names)}`;
}

/** Capitalises the first letter (for a sentence that starts with otherPerson()). */
export function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}

/** Greetings that fit the session number, the gap since the last session and the hour. */
export function opener(r: Rand, name: string, session: number, gapDays: number, hour: number): Exchange {
  if (session === 0) {
    return r.pick([
      [u(`Hi! I'm ${name}. A friend said you're good at remembering things, so let's see.`), a(`Nice to meet you, ${name}! Tell me whatever's useful and I'll keep track of it.`)],
      [u(`Hello there. First time trying this — I'm ${name}.`), a(`Welcome, ${name}! What would you like to talk about?`)],
      [u(`Hey, I'm ${name}. I need a bit of help getting organised.`), a(`Hi ${name}, happy to help. Where shall we start?`)],
    ]);
  }
  const gap = gapDays >= 21 ? 'a few weeks' : gapDays >= 10 ? 'a while' : 'a few days';
  const options: Exchange[] = [
    [u(`Hi again! Sorry it's been ${gap}.`), a(`Welcome back, ${name}! No need to apologise. What's new?`)],
    [u(`Hey, it's ${name} again.`), a(`Hi ${name}! Good to hear from you. How have things been?`)],
    [u(`Back again! It's been ${gap}, lots to tell you.`), a("Welcome back! I'm all ears.")],
  ];
  if (hour < 12) options.push([u('Morning! Have you got a minute?'), a(`Always. Good morning, ${name} — what's on your mind?`)]);
  if (hour >= 17) options.push([u('Evening. Long day, but I wanted to catch up.'), a(`Hi ${name} — glad you stopped by. How are you holding up?`)]);
  return r.pick(options);
}

export function closer(r: Rand, hour: number): Exchange {
  const options: Exchange[] = [
    [u("That's all for now, thanks!"), a('Any time. Talk soon!')],
    [u('Okay, I need to run. Thanks for listening.'), a('Of course — take care!')],
    [u('Cheers, that helped.'), a("Glad to hear it. I'm here whenever you need me.")],
  ];
  if (hour >= 20) options.push([u('Right, bedtime for me. Night!'), a('Good night, sleep well!')]);
  return r.pick(options);
}

export const SMALL_TALK: readonly Exchange[] = [
  [u("It's been grey and drizzly for five days straight. I'm losing the will."), a('That sounds draining. Even a short walk at lunchtime can help on grey days.')],
  [u('Can you suggest a quick dinner with chickpeas and spinach?'), a('Try a chickpea and spinach stew with tomatoes, garlic and cumin — about 25 minutes, one pan.')],
  [u("I keep waking up at 4am and can't get back to sleep."), a('That happens to a lot of people. A cooler room and no screens for the last hour before bed are worth a try.')],
  [u('Can you recommend a film for a lazy Sunday? Nothing too heavy.'), a('How about "Paddington 2"? Gentle, funny and surprisingly well made.')],
  [u('How do I get a red wine stain out of a white shirt?'), a('Blot it, cover it with salt or baking soda, then rinse with cold water and wash as usual. Avoid hot water — it sets the stain.')],
  [u('Help me word an email saying I can’t make a meeting on Friday.'), a('"Hi all, unfortunately I can\'t join on Friday. Could you share the notes afterwards? Happy to follow up on anything that needs me."')],
  [u("What's 180 degrees Celsius in Fahrenheit?"), a("About 356°F — most recipes round it to 350°F.")],
  [u("I've got a cold coming on. Any tips?"), a('Rest, plenty of fluids and honey with warm water for the throat. See a doctor if it lasts more than ten days.')],
  [u('Is it "affect" or "effect" in "this will ___ the results"?'), a('"Affect" — it\'s the verb there. "Effect" is usually the noun.')],
  [u('My printer says it’s offline even though it’s right next to the router.'), a('Try restarting the printer, then removing and re-adding it on your computer. That fixes most "offline" errors.')],
  [u('Any tips for sticking to a budget this month?'), a('Write down every purchase for two weeks first — most people find one or two categories where the money quietly goes.')],
  [u('I want to read more. Any short novel suggestions?'), a('"Small Things Like These" by Claire Keegan is short and lovely; "Convenience Store Woman" is another quick, memorable one.')],
  [u("Can you give me a two-minute breathing exercise? I'm stressed."), a('Sure: breathe in for four counts, hold for four, out for six. Repeat ten times and let your shoulders drop.')],
  [u('How long should I rest between sets when lifting?'), a('Roughly one to two minutes for general fitness, longer for heavy strength work.')],
  [u('Do you know a good podcast for long walks?'), a('"99% Invisible" is great for walks — short stories about design and the built world.')],
  [u("What's a five-letter word for 'brave', starting with V?"), a('"Valor" fits, if the crossword uses American spelling.')],
  [u('Should I use a password manager?'), a('Yes — it lets you use a long unique password everywhere. Turn on two-factor authentication for the manager itself.')],
  [u('Remind me how to convert cups of flour to grams?'), a("One cup of plain flour is roughly 120–125 grams, depending on how it's packed.")],
  [u('My laptop fan is really loud lately.'), a('Dust is the usual culprit. A can of compressed air through the vents, with the laptop off, often fixes it.')],
  [u('I spent the whole weekend binge-watching a baking show. No regrets.'), a('Sounds like a well-earned rest! Did it inspire you to bake anything?')],
  [u('How many minutes should I boil pasta for al dente?'), a('Usually a minute or two less than the packet says — taste it from about eight minutes.')],
  [u("I can't focus this afternoon. Any tricks?"), a('Try 25 minutes on one task with everything else closed, then a five-minute break. It helps more than it sounds.')],
  [u('What’s a nice thank-you note for a neighbour who took in a parcel?'), a('"Thank you so much for rescuing my parcel — it saved me a trip to the depot. I owe you one!"')],
  [u('Is it normal for the sky to look green before a storm?'), a('It can happen with large thunderstorms, when sunlight passes through very deep clouds full of water.')],
];

export function smallTalk(r: Rand, used: Set<number>): Exchange {
  const free = SMALL_TALK.map((_, i) => i).filter((i) => !used.has(i));
  const i = r.pick(free);
  used.add(i);
  return SMALL_TALK[i] as Exchange;
}
