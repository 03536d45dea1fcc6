/** Facts that stay true for the whole conversation. */
import { cap, otherPerson } from './chat';
import { pickOther } from './rand';
import type { Exchange, FactKind } from './types';
import { a, fact, u } from './types';

interface Pet { species: string; name: string; look: string }
const PETS: Pet[] = [
  { species: 'dog', name: 'Pickle', look: 'a scruffy terrier mix' },
  { species: 'dog', name: 'Juniper', look: 'a very anxious greyhound' },
  { species: 'dog', name: 'Bruno', look: 'a lazy old beagle' },
  { species: 'cat', name: 'Miso', look: 'a grumpy tabby' },
  { species: 'cat', name: 'Clementine', look: 'a ginger cat with one white paw' },
  { species: 'cat', name: 'Pixel', look: 'a tiny black cat' },
  { species: 'rabbit', name: 'Waffles', look: 'a lop-eared rabbit' },
  { species: 'dog', name: 'Olive', look: 'a cocker spaniel puppy' },
];
const pet: FactKind = {
  key: 'pet',
  changing: false,
  own(r) {
    const p = r.pick(PETS);
    const intro = r.pick<Exchange>([
      [fact(`${p.name} chewed through another charging cable this morning. Having ${p.look} is a full-time job.`), a(`Oh no! Maybe cable protectors are worth it — ${p.name} sounds determined.`)],
      [fact(`I adopted ${p.look} last year — ${p.name}. Best decision I ever made.`), a(`That's lovely. ${p.name} is a great name!`)],
      [u('Is it normal for a pet to sleep most of the day?'), a('Often, yes, depending on the animal and age. What kind of pet is it?'), fact(`My ${p.species}, ${p.name}. ${cap(p.look)}, so maybe that's just the personality.`), a("Probably! Watch for changes in appetite or energy, but lots of sleep alone isn't worrying.")],
    ]);
    return { intro, question: `What's my ${p.species}'s name?`, answer: p.name, values: [p.name] };
  },
  other(r, avoid) {
    const p = pickOther(r, PETS, (x) => x.name, avoid);
    return {
      says: [u(`I'm looking after ${otherPerson(r)}'s ${p.species}, ${p.name}, this weekend. Wish me luck.`), a(`Good luck! I'm sure ${p.name} will be fine with you.`)],
      trap: `What's my ${p.species}'s name?`,
    };
  },
};

const ALLERGENS = ['peanuts', 'shellfish', 'penicillin', 'kiwi', 'sesame', 'bee stings', 'latex', 'tree nuts'];
const allergy: FactKind = {
  key: 'allergy',
  changing: false,
  own(r) {
    const x = r.pick(ALLERGENS);
    const intro = r.pick<Exchange>([
      [fact(`Heads up for anything health-related: I'm allergic to ${x}. Found out the hard way as a kid.`), a(`Thanks for telling me — I'll remember you're allergic to ${x}.`)],
      [u('I had to fill in a long form at the new doctor today.'), a('Those forms are tedious. Anything important come up?'), fact(`Just the usual. The only allergy I have is to ${x}, so that part was easy.`), a("Good that it's on record, at least.")],
    ]);
    return { intro, question: r.pick(['What am I allergic to?', 'Do I have any allergies?']), answer: x, values: [x] };
  },
  other(r, avoid) {
    const x = pickOther(r, ALLERGENS, (y) => y, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} is allergic to ${x}, so I always check the menu when we eat out.`), a("That's thoughtful of you.")],
      trap: 'What am I allergic to?',
    };
  },
};

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
const birthday: FactKind = {
  key: 'birthday',
  changing: false,
  own(r) {
    const d = `${r.int(1, 28)} ${r.pick(MONTHS)}`;
    const intro = r.pick<Exchange>([
      [fact(`My birthday's on ${d} and I have zero plans. Any ideas for something low-key?`), a('A long walk somewhere new and dinner with a couple of close friends is hard to beat.')],
      [fact(`Can you remind me closer to the time? My birthday is ${d} and I want to book a table somewhere nice.`), a(`Of course — ${d}, noted. Booking two or three weeks ahead is usually safe.`)],
    ]);
    return { intro, question: r.pick(['When is my birthday?', "What's the date of my birthday?"]), answer: d, values: [d] };
  },
  other(r, avoid) {
    let d = `${r.int(1, 28)} ${r.pick(MONTHS)}`;
    while (avoid.includes(d)) d = `${r.int(1, 28)} ${r.pick(MONTHS)}`;
    return {
      says: [u(`${cap(otherPerson(r))}'s birthday is on ${d} and I still haven't found a present.`), a('Something tied to a shared memory usually goes down well.')],
      trap: 'When is my birthday?',
    };
  },
};

const INSTRUMENTS = ['cello', 'piano', 'bass guitar', 'ukulele', 'drums', 'saxophone', 'violin', 'trumpet'];
const instrument: FactKind = {
  key: 'instrument',
  changing: false,
  own(r) {
    const x = r.pick(INSTRUMENTS);
    const intro = r.pick<Exchange>([
      [fact(`My ${x} teacher says I'm rushing the tempo again. Practising with a metronome is so boring.`), a('Boring but effective! Try starting slower than feels natural and nudging it up.')],
      [fact(`I started ${x} lessons in the spring. My neighbours have been very patient.`), a("It's never too late to learn an instrument. How's it going?")],
    ]);
    return { intro, question: r.pick(['Which instrument am I learning?', 'What instrument do I play?']), answer: x, values: [x] };
  },
  other(r, avoid) {
    const x = pickOther(r, INSTRUMENTS, (y) => y, avoid);
    return {
      says: [u(`Went to see ${otherPerson(r)} play ${x} with their band last night. They were brilliant.`), a('What a fun night out!')],
      trap: 'Which instrument am I learning?',
    };
  },
};

const LANGUAGES = ['Japanese', 'Portuguese', 'Korean', 'Italian', 'Dutch', 'Greek', 'Turkish', 'Welsh', 'Swahili'];
const language: FactKind = {
  key: 'language',
  changing: false,
  own(r) {
    const x = r.pick(LANGUAGES);
    const intro = r.pick<Exchange>([
      [fact(`Can you quiz me on some ${x} phrases sometime? I've been learning it for about six months.`), a(`Definitely! Six months in, you must know a fair bit of ${x} already.`)],
      [fact(`My ${x} evening class is tomorrow and I haven't done the homework. Again.`), a('Twenty focused minutes tonight might be enough to get through it.')],
    ]);
    return { intro, question: r.pick(['Which language am I learning?', 'What language am I studying?']), answer: x, values: [x] };
  },
  other(r, avoid) {
    const x = pickOther(r, LANGUAGES, (y) => y, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} is fluent in ${x}. I'm so impressed every time I hear them.`), a('Being fluent in another language is a real achievement.')],
      trap: 'Which language am I learning?',
    };
  },
};

interface Child { rel: 'son' | 'daughter'; name: string; age: number }
const CHILDREN: Child[] = [
  { rel: 'daughter', name: 'Maya', age: 6 },
  { rel: 'son', name: 'Leo', age: 4 },
  { rel: 'daughter', name: 'Esme', age: 9 },
  { rel: 'son', name: 'Arjun', age: 7 },
  { rel: 'daughter', name: 'Noor', age: 3 },
  { rel: 'son', name: 'Finn', age: 11 },
];
const child: FactKind = {
  key: 'child',
  changing: false,
  own(r) {
    const c = r.pick(CHILDREN);
    const intro = r.pick<Exchange>([
      [fact(`My ${c.rel} ${c.name} turns ${c.age} soon and wants a dinosaur party. Help.`), a('Dinosaur parties are easy to love: a fossil dig in a sandpit and some green cake will do it.')],
      [fact(`${c.name}, my ${c.rel}, refused to put shoes on this morning, so we were late for everything.`), a('The classic morning standoff! Laying clothes out the night before can help.')],
    ]);
    return { intro, question: `What's my ${c.rel}'s name?`, answer: c.name, values: [c.name] };
  },
  other(r, avoid) {
    const c = pickOther(r, CHILDREN, (x) => x.name, avoid);
    return {
      says: [u(`${cap(otherPerson(r))}'s ${c.rel} ${c.name} just started swimming lessons. Cutest photos ever.`), a('First swimming lessons are such a milestone!')],
      trap: `What's my ${c.rel}'s name?`,
    };
  },
};

const HOMETOWNS = ['a village outside Galway', 'Dundee', 'a farm near Ballarat', 'Nagoya', 'Bergen', 'a small town near Lille', 'Ipoh', 'Accra', 'Tucson', 'Salzburg'];
const hometown: FactKind = {
  key: 'hometown',
  changing: false,
  own(r) {
    const x = r.pick(HOMETOWNS);
    const intro = r.pick<Exchange>([
      [fact(`I grew up in ${x}, so big crowds still make me a bit tense.`), a('That makes sense — busy places can be a lot if you grew up somewhere quieter.')],
      [fact(`Going back to ${x}, where I grew up, for a family visit always makes me nostalgic.`), a('Hometowns have a way of doing that.')],
    ]);
    return { intro, question: r.pick(['Where did I grow up?', "Where's my hometown?"]), answer: x, values: [x] };
  },
  other(r, avoid) {
    const x = pickOther(r, HOMETOWNS, (y) => y, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} grew up in ${x} and tells the best stories about it.`), a('Those childhood stories are often the best ones.')],
      trap: 'Where did I grow up?',
    };
  },
};

export const STABLE_KINDS: readonly FactKind[] = [pet, allergy, birthday, instrument, language, child, hometown];

/** Questions about things no kind or story ever mentions: always no answer in memory. */
export const NEVER_MENTIONED: readonly string[] = [
  "What's my blood type?",
  'Which university did I go to?',
  'How tall am I?',
  'Which football team do I support?',
  "What's my wifi password?",
  'When is my next dentist appointment?',
  "What's my shoe size?",
  'What was the name of my first school?',
  'What is my favourite board game?',
  'Which streaming service do I pay for?',
];
