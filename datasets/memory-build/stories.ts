/** Facts told in two parts, in two different sessions; the question needs both parts. */
import type { Exchange, Rand, Story, StoryKind } from './types';
import { a, fact } from './types';

const PLACES = ['Kyoto', 'Tallinn', 'Marrakesh', 'the Scottish Highlands', 'Iceland', 'Cape Town', 'Mexico City', 'the Amalfi Coast', 'Hanoi', 'Vancouver Island', 'Sicily', 'Seoul'];
const trips: StoryKind = (r) => {
  const [p1, p2] = r.shuffle(PLACES) as [string, string];
  return {
    key: 'trips',
    parts: [
      r.pick<Exchange>([
        [fact(`Just got back from a week in ${p1}. My feet hurt but it was worth every step.`), a(`Welcome back! ${p1} sounds amazing — what was the highlight?`)],
        [fact(`Holiday photos from ${p1} are finally sorted. Best trip I've had in years.`), a('Sorting the photos is the second-best part of a trip!')],
      ]),
      r.pick<Exchange>([
        [fact(`Another trip done: a long weekend in ${p2}. I could get used to this.`), a('Two trips already! You are making the most of your holidays.')],
        [fact(`I'm writing this from the airport — flying home after five days in ${p2}.`), a('Safe travels home! I hope you got some rest.')],
      ]),
    ],
    question: r.pick(['Which places have I been on holiday to this year?', 'Where did I go on my trips recently?']),
    answer: `${p1} and ${p2}`,
  };
};

const PARTNERS = ['Jules', 'Alex', 'Robin', 'Jordan', 'Kai', 'Charlie', 'Eden', 'Rory'];
const ROLES = ['head of marketing', 'lead nurse on the ward', 'head chef', 'senior planner', 'deputy head teacher', 'team lead'];
const partner: StoryKind = (r) => {
  const name = r.pick(PARTNERS);
  const role = r.pick(ROLES);
  return {
    key: 'partner-promotion',
    parts: [
      r.pick<Exchange>([
        [fact(`My partner ${name} and I are celebrating five years together this weekend. Any dinner ideas?`), a('Congratulations! Somewhere you went early on could be a sweet choice.')],
        [fact(`${name} — my partner — has been working crazy hours all month, so I'm cooking every night.`), a("That's kind of you. Batch cooking on Sunday could save you some evenings.")],
      ]),
      [fact(`${name} got the promotion! They'll be ${role} from next month.`), a(`That's wonderful news — please pass on my congratulations to ${name}!`)],
    ],
    question: r.pick(['What job did my partner get promoted to?', 'What is my partner going to be doing after the promotion?']),
    answer: role,
  };
};

const FRIENDS = ['Ana', 'Tobias', 'Grace', 'Yusuf', 'Harriet', 'Mina', 'Oliver', 'Sade'];
const VENUES = ['a vineyard near Porto', 'an old boathouse by a lake', 'a barn outside Oxford', 'a botanical garden', 'a lighthouse on the coast', 'a castle ruin in Wales'];
const wedding: StoryKind = (r) => {
  const name = r.pick(FRIENDS);
  const venue = r.pick(VENUES);
  return {
    key: 'wedding',
    parts: [
      [fact(`My best friend ${name} just got engaged and asked me to give a speech at the wedding! Terrified.`), a('What an honour! We can work on the speech together whenever you like.')],
      [fact(`${name} and their fiancé picked a venue: ${venue}. It's going to be gorgeous.`), a('That sounds like a beautiful setting for a wedding.')],
    ],
    question: "Where is my best friend's wedding going to be?",
    answer: venue,
  };
};

const PLANTS = ['tomatoes', 'basil', 'strawberries', 'chillies', 'mint', 'lavender', 'courgettes', 'sunflowers'];
const balcony: StoryKind = (r) => {
  const [dead, alive] = r.shuffle(PLANTS) as [string, string];
  return {
    key: 'balcony',
    parts: [
      [fact(`I planted ${dead} and ${alive} on the balcony this weekend. Fingers crossed.`), a('Exciting! Water them in the evening rather than at midday.')],
      [fact(`Sad garden update: the ${dead} didn't make it, but the ${alive} ${alive.endsWith('s') ? 'are' : 'is'} going wild.`), a("One out of two is a good start — and now you know what thrives up there.")],
    ],
    question: 'Which of the plants I put on my balcony survived?',
    answer: alive,
  };
};

const PURCHASES = [
  { goal: 'a new laptop', bought: 'a refurbished ThinkPad' },
  { goal: 'a road bike', bought: 'a second-hand steel-frame Peugeot' },
  { goal: 'a proper sofa', bought: 'a green velvet three-seater' },
  { goal: 'a camera', bought: 'a used Fujifilm X-T30' },
  { goal: 'a sewing machine', bought: 'a Janome beginner model' },
  { goal: 'new headphones', bought: 'noise-cancelling Sony headphones' },
];
const savings: StoryKind = (r) => {
  const p = r.pick(PURCHASES);
  return {
    key: 'savings',
    parts: [
      [fact(`I'm putting money aside every month for ${p.goal}. Trying not to touch it.`), a('A separate savings pot makes it much easier to leave alone.')],
      [fact(`Finally spent the savings! I went with ${p.bought} in the end.`), a("Congratulations — it's satisfying when saving pays off!")],
    ],
    question: r.pick(['What did I end up buying with the money I was saving?', 'What did I buy with my savings in the end?']),
    answer: p.bought,
  };
};

const CLASSES = ['pottery', 'life drawing', 'woodworking', 'bread-baking', 'watercolour'];
const TEACHERS = ['Marguerite', 'Kofi', 'Ilse', 'Benedict', 'Rashida', 'Anton'];
const course: StoryKind = (r) => {
  const c = r.pick(CLASSES);
  const t = r.pick(TEACHERS);
  return {
    key: 'course',
    parts: [
      [fact(`I signed up for an evening ${c} course! It starts next week.`), a('How exciting — a new skill and a regular night out.')],
      [fact(`Week three of the course. Our teacher, ${t}, said my last piece was the best in the group!`), a('That must have felt great. Well done!')],
    ],
    question: `Who teaches my ${c} course?`,
    answer: t,
  };
};

export const STORY_KINDS: readonly StoryKind[] = [trips, partner, wedding, balcony, savings, course];

export function story(r: Rand, index: number): Story {
  const kind = STORY_KINDS[index % STORY_KINDS.length];
  if (kind === undefined) throw new Error('no story kinds');
  return kind(r);
}
