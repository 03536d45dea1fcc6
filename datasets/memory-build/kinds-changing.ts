/** Facts that change later in the conversation: only the newer value is right. */
import { cap, otherPerson } from './chat';
import { pickOther } from './rand';
import type { Exchange, FactKind, OwnFact, Rand } from './types';
import { a, fact, u } from './types';

/** Picks a first value and, when asked, a different second one. */
function twoValues<T>(r: Rand, xs: readonly T[], key: (x: T) => string): [T, T] {
  const first = r.pick(xs);
  return [first, pickOther(r, xs, key, [key(first)])];
}

const CITIES = ['Lisbon', 'Leeds', 'Glasgow', 'Rotterdam', 'Lyon', 'Valencia', 'Toronto', 'Melbourne', 'Austin', 'Porto', 'Bristol', 'Gothenburg', 'Denver', 'Montreal', 'Wellington', 'Cork', 'Kraków', 'Bologna'];

const city: FactKind = {
  key: 'city',
  changing: true,
  own(r, update) {
    const [c1, c2] = twoValues(r, CITIES, (c) => c);
    const intro = r.pick<Exchange>([
      [fact(`I've lived in ${c1} for about ${r.int(2, 9)} years and I still haven't tried half the cafés on my street.`), a(`Ha, that's the best kind of to-do list. ${c1} has plenty to explore.`)],
      [u('Can you help me plan a cheap weekend at home?'), a('Sure! Where are you based, so I can suggest things nearby?'), fact(`I'm in ${c1}. Free or nearly free stuff, ideally.`), a(`Got it — I'll keep ${c1} in mind. Parks, free museums and markets are a good start.`)],
      [fact(`Rent in ${c1} went up again. Living here is getting expensive.`), a("That's frustrating. It might be worth checking what similar flats nearby go for before you renew.")],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['Which city do I live in now?', 'Where am I living these days?', 'What city am I based in?']), answer: c1, values: [c1, c2] };
    if (!update) return fact0;
    const says = r.pick<Exchange>([
      [fact(`Big news: we moved! I'm living in ${c2} now. Leaving ${c1} was harder than I expected.`), a(`Congratulations on the move! I hope ${c2} feels like home soon.`)],
      [fact(`The movers came on Saturday, so I'm officially a ${c2} resident. Goodbye, ${c1}!`), a(`Welcome to ${c2}! How are you settling in?`)],
      [fact(`Our lease in ${c1} ended and we found a place in ${c2}. We've been here a week and it's mostly boxes.`), a('A week in is always the boxiest part. Unpack the kettle and the bed first!')],
    ]);
    return { ...fact0, update: { says, answer: c2 } };
  },
  other(r, avoid) {
    const c = pickOther(r, CITIES, (x) => x, avoid);
    const who = otherPerson(r);
    return {
      says: r.pick<Exchange>([
        [u(`${cap(who)} just moved to ${c} for a new job, so I finally have somewhere to stay there.`), a('Free accommodation in a new city — that sounds like a trip waiting to happen!')],
        [u(`${cap(who)} lives in ${c} and keeps sending me photos of the sunsets. I'm jealous.`), a('Sounds like they really love it there.')],
      ]),
      trap: r.pick(['Which city do I live in?', 'Where am I living these days?']),
    };
  },
};

interface Job { title: string; an: string; place: string }
const JOBS: Job[] = [
  { title: 'pharmacist', an: 'a', place: "at the children's hospital" },
  { title: 'primary school teacher', an: 'a', place: 'at a school near the river' },
  { title: 'UX designer', an: 'a', place: 'at a small fintech startup' },
  { title: 'electrician', an: 'an', place: 'for a housing co-op' },
  { title: 'data analyst', an: 'a', place: 'for the city council' },
  { title: 'physiotherapist', an: 'a', place: 'at a sports clinic' },
  { title: 'sous chef', an: 'a', place: 'at an Italian restaurant' },
  { title: 'civil engineer', an: 'a', place: 'on a bridge project' },
  { title: 'paralegal', an: 'a', place: 'at an immigration law firm' },
  { title: 'veterinary nurse', an: 'a', place: 'at a busy practice' },
  { title: 'librarian', an: 'a', place: 'at the university library' },
  { title: 'project manager', an: 'a', place: 'at a solar energy company' },
];
const job: FactKind = {
  key: 'job',
  changing: true,
  own(r, update) {
    const [j1, j2] = twoValues(r, JOBS, (j) => j.title);
    const intro = r.pick<Exchange>([
      [fact(`Long shift today. Being ${j1.an} ${j1.title} ${j1.place} is no joke.`), a('That sounds exhausting — I hope you get a proper evening off.')],
      [fact(`I work as ${j1.an} ${j1.title} ${j1.place}, so weekdays are pretty packed for me.`), a("Thanks, that's useful to know when we plan things.")],
      [u("Can you help me write an out-of-office message? I'm away next week."), a('Of course. What do you do, so I get the tone right?'), fact(`I'm ${j1.an} ${j1.title} ${j1.place}.`), a('Perfect, something short and friendly then, with a colleague to contact for urgent things.')],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['What do I do for work these days?', "What's my current job?", 'What job do I have now?']), answer: j1.title, values: [j1.title, j2.title] };
    if (!update) return fact0;
    const says = r.pick<Exchange>([
      [fact(`I handed in my notice! I'm starting as ${j2.an} ${j2.title} ${j2.place} on Monday.`), a("Wow, congratulations! That's a brave change. Good luck on Monday!")],
      [fact(`First week as ${j2.an} ${j2.title} done. Quite a change from being ${j1.an} ${j1.title}.`), a('Congrats on surviving week one! How does it compare so far?')],
      [fact(`Update: I left the ${j1.title} job. I'm working as ${j2.an} ${j2.title} ${j2.place} now.`), a('That is a big update! I hope the new role suits you.')],
    ]);
    return { ...fact0, update: { says, answer: j2.title } };
  },
  other(r, avoid) {
    const j = pickOther(r, JOBS, (x) => x.title, avoid);
    const who = otherPerson(r);
    return {
      says: r.pick<Exchange>([
        [u(`${cap(who)} just got hired as ${j.an} ${j.title} ${j.place}. We went out to celebrate.`), a("That's lovely news for them!")],
        [u(`${cap(who)} works as ${j.an} ${j.title} and complains about the hours constantly.`), a('Some jobs really do take over your life.')],
      ]),
      trap: r.pick(['What do I do for work?', "What's my job?"]),
    };
  },
};

interface Plan { carrier: string; plan: string }
const PLANS: Plan[] = [
  { carrier: 'Kestrel Mobile', plan: '20 GB plan' },
  { carrier: 'Lumo', plan: 'unlimited plan' },
  { carrier: 'Northline', plan: 'pay-as-you-go SIM' },
  { carrier: 'Bramble Mobile', plan: '8 GB plan' },
  { carrier: 'Tidewave', plan: '50 GB plan' },
  { carrier: 'Orbit Telecom', plan: 'family plan' },
  { carrier: 'Pebble SIM', plan: '12 GB rolling plan' },
];
const phone: FactKind = {
  key: 'phone',
  changing: true,
  own(r, update) {
    const [p1, p2] = twoValues(r, PLANS, (p) => p.carrier);
    const intro = r.pick<Exchange>([
      [fact(`My phone contract with ${p1.carrier} renews next month. It's the ${p1.plan} and I barely use half of it.`), a('Then it might be worth asking them for a smaller, cheaper plan before it renews.')],
      [fact(`Ugh, ${p1.carrier} charged me extra again even though I'm on their ${p1.plan}.`), a('Annoying! Ask them for an itemised bill — those charges are often reversible.')],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['Which mobile provider am I with now?', "Who's my phone carrier at the moment?"]), answer: p1.carrier, values: [p1.carrier, p2.carrier] };
    if (!update) return fact0;
    const says = r.pick<Exchange>([
      [fact(`I finally switched from ${p1.carrier} to ${p2.carrier}. Their ${p2.plan} costs half as much.`), a('Nice one — that adds up over a year.')],
      [fact(`Ported my number over to ${p2.carrier} yesterday. Bye-bye ${p1.carrier}!`), a('Glad the switch went through. Any hiccups with the number?')],
    ]);
    return { ...fact0, update: { says, answer: p2.carrier } };
  },
  other(r, avoid) {
    const p = pickOther(r, PLANS, (x) => x.carrier, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} keeps telling me to move to ${p.carrier}. Apparently their ${p.plan} is great.`), a('It could be worth comparing prices when your contract is up.')],
      trap: 'Which mobile provider am I with?',
    };
  },
};

interface Sport { short: string; long: string }
const SPORTS: Sport[] = [
  { short: 'bouldering', long: 'going bouldering at the climbing gym on Tuesdays' },
  { short: 'swimming', long: 'swimming lengths before work' },
  { short: 'running', long: 'running the Saturday morning park run' },
  { short: 'spin classes', long: 'doing spin classes at lunchtime' },
  { short: 'yoga', long: 'doing hot yoga twice a week' },
  { short: 'five-a-side football', long: 'playing five-a-side football on Thursday nights' },
  { short: 'rowing', long: 'rowing with a club on weekends' },
  { short: 'boxing', long: 'going to boxing classes after work' },
  { short: 'Pilates', long: 'doing reformer Pilates on Mondays' },
];
const exercise: FactKind = {
  key: 'exercise',
  changing: true,
  own(r, update) {
    const [s1, s2] = twoValues(r, SPORTS, (s) => s.short);
    const intro = r.pick<Exchange>([
      [fact(`Everything aches. I've been ${s1.long} and I'm completely hooked.`), a("Sore but happy is a good sign. Don't forget rest days!")],
      [fact(`My one fitness habit that actually stuck is ${s1.long}.`), a("Consistency is the hard part, so that's great.")],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['What do I do for exercise these days?', "What's my current workout routine?"]), answer: s1.short, values: [s1.short, s2.short] };
    if (!update) return fact0;
    const why = r.pick(["my knee didn't love it", 'the schedule stopped working for me', 'I got bored of it, honestly']);
    const says = r.pick<Exchange>([
      [fact(`I've given up ${s1.short} — ${why}. I'm ${s2.long} now instead.`), a(`Sensible to switch. How are you finding ${s2.short}?`)],
      [fact(`New routine: ${s2.long}. I stopped ${s1.short} last month.`), a('A fresh routine can be really motivating. Enjoy it!')],
    ]);
    return { ...fact0, update: { says, answer: s2.short } };
  },
  other(r, avoid) {
    const s = pickOther(r, SPORTS, (x) => x.short, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} has started ${s.long}. They talk about nothing else.`), a('The enthusiasm of a new hobby!')],
      trap: 'What do I do for exercise?',
    };
  },
};

const CARS = ['Toyota Corolla', 'Honda Jazz', 'Volkswagen Golf', 'Kia Niro', 'Nissan Leaf', 'Ford Fiesta', 'Skoda Octavia', 'Mazda 3', 'Hyundai Ioniq', 'Fiat 500'];
const car: FactKind = {
  key: 'car',
  changing: true,
  own(r, update) {
    const [c1, c2] = twoValues(r, CARS, (c) => c);
    const intro = r.pick<Exchange>([
      [fact(`My ${c1} made a horrible grinding noise on the motorway today.`), a('That could be the brakes or a wheel bearing — best to get it checked soon.')],
      [fact(`I need to get the ${c1} serviced soon. Any idea what a basic service covers?`), a('Usually brakes, tyres, lights and fluid levels, plus an oil change if it has an engine. Ask for an itemised quote.')],
      [fact(`I drive a ${c1}, so parking in the centre is less of a nightmare than it could be.`), a('Small cars have their perks!')],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['What car do I drive now?', 'Which car do I have at the moment?']), answer: c1, values: [c1, c2] };
    if (!update) return fact0;
    const says = r.pick<Exchange>([
      [fact(`I finally traded in the ${c1}. I'm driving a ${c2} now!`), a('Congratulations on the new car! How does it drive?')],
      [fact(`Picked up my new car today: a second-hand ${c2}. The ${c1} went to the dealer for almost nothing.`), a('Exciting! A second-hand car with a good history is a smart buy.')],
    ]);
    return { ...fact0, update: { says, answer: c2 } };
  },
  other(r, avoid) {
    const c = pickOther(r, CARS, (x) => x, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} just bought a ${c} and won't stop talking about it.`), a('New car excitement is real!')],
      trap: 'What car do I drive?',
    };
  },
};

interface DietChange { from: string; to: string; line: string }
const DIET_CHANGES: DietChange[] = [
  { from: 'vegetarian', to: 'vegan', line: "I've gone fully vegan since last month, so no eggs or dairy in any suggestions, please." },
  { from: 'pescatarian', to: 'vegetarian', line: "I've stopped eating fish, so I'm properly vegetarian now." },
  { from: 'vegan', to: 'vegetarian', line: "I've started eating eggs and cheese again, so I'm vegetarian now rather than vegan." },
  { from: 'vegetarian', to: 'pescatarian', line: "My doctor suggested more omega-3, so I've started eating fish again. Pescatarian now, I suppose." },
];
const diet: FactKind = {
  key: 'diet',
  changing: true,
  own(r, update) {
    const d = r.pick(DIET_CHANGES);
    const intro = r.pick<Exchange>([
      [u('Could you suggest a dinner for tonight?'), a('Happy to! Any foods you avoid?'), fact(`I'm ${d.from}, so keep that in mind.`), a(`Noted. A ${d.from} stir-fry with tofu, ginger and greens is quick and filling.`)],
      [fact(`I've been ${d.from} for about three years now. The hardest part is eating out with colleagues.`), a('Most places have decent options these days, but it can still be a hassle.')],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['What diet am I following now?', 'Am I vegetarian, vegan or pescatarian these days?']), answer: d.from, values: [d.from, d.to] };
    if (!update) return fact0;
    return { ...fact0, update: { says: [fact(`Small update: ${d.line}`), a(`Thanks for telling me — I'll stick to ${d.to} ideas from now on.`)], answer: d.to } };
  },
  other(r, avoid) {
    const d = pickOther(r, ['vegan', 'vegetarian', 'pescatarian'], (x) => x, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} went ${d} in January and is very evangelical about it.`), a('New converts often are! As long as they enjoy it.')],
      trap: 'Am I vegetarian?',
    };
  },
};

const DRINKS = ['oat flat white', 'double espresso', 'iced americano', 'chai latte', 'decaf cappuccino', 'matcha latte', 'peppermint tea'];
const drink: FactKind = {
  key: 'drink',
  changing: true,
  own(r, update) {
    const [d1, d2] = twoValues(r, DRINKS, (d) => d);
    const intro = r.pick<Exchange>([
      [fact(`My usual ${d1} from the place by the station is the only thing getting me through this morning.`), a('A good morning ritual is worth a lot. Hang in there!')],
      [fact(`The barista knows my order by heart now: ${d1}, every single day.`), a("That's when you know you're a regular!")],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(["What's my usual drink order these days?", 'What do I usually order at the café now?']), answer: d1, values: [d1, d2] };
    if (!update) return fact0;
    const says: Exchange = [fact(`I've changed my order: it's ${d2} for me now instead of ${d1}. Trying to sleep better.`), a('Small changes like that can really help your sleep.')];
    return { ...fact0, update: { says, answer: d2 } };
  },
  other(r, avoid) {
    const d = pickOther(r, DRINKS, (x) => x, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} orders ${/^[aeiou]/.test(d) ? 'an' : 'a'} ${d} every time we go out. Creature of habit.`), a('There is comfort in a favourite order!')],
      trap: "What's my usual café order?",
    };
  },
};

const COMMUTES = [
  { short: 'by train', long: 'go to work by train, usually the 7:40' },
  { short: 'by bus', long: 'get to work by bus, the number 12' },
  { short: 'by bike', long: 'go to work by bike along the canal path' },
  { short: 'on foot', long: 'get to work on foot through the park' },
  { short: 'by tram', long: 'go to work by tram' },
];
const commute: FactKind = {
  key: 'commute',
  changing: true,
  own(r, update) {
    const [c1, c2] = twoValues(r, COMMUTES, (c) => c.short);
    const intro = r.pick<Exchange>([
      [fact(`Most days I ${c1.long}. It's my thinking time.`), a('A calm commute is underrated.')],
      [u('Any podcast ideas for my commute?'), a('Sure — how long is it, and how do you travel?'), fact(`About half an hour. I ${c1.long}.`), a('Then a 30-minute episode a day fits nicely. "99% Invisible" or a daily news show would work.')],
    ]);
    const fact0: OwnFact = { intro, question: 'How do I get to work these days?', answer: c1.short, values: [c1.short, c2.short] };
    if (!update) return fact0;
    const says: Exchange = [fact(`Change of routine: I ${c2.long} now instead. It's more reliable.`), a('Reliability makes a big difference to your mornings.')];
    return { ...fact0, update: { says, answer: c2.short } };
  },
  other(r, avoid) {
    const c = pickOther(r, COMMUTES, (x) => x.short, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} has to ${c.long} and always arrives grumpy.`), a('Commutes can really set the tone for the day.')],
      trap: 'How do I get to work?',
    };
  },
};

const MANAGERS = ['Beatriz', 'Tom', 'Ngozi', 'Henrik', 'Alejandra', 'Sunil', 'Margot', 'Wei', 'Declan'];
const manager: FactKind = {
  key: 'manager',
  changing: true,
  own(r, update) {
    const [m1, m2] = twoValues(r, MANAGERS, (m) => m);
    const intro: Exchange = r.pick<Exchange>([
      [fact(`My manager, ${m1}, wants the quarterly report by Thursday and I haven't started.`), a('Block out two focused hours tomorrow morning and draft the structure first.')],
      [fact(`I've got my yearly review with my manager ${m1} tomorrow. Nervous!`), a('Write down three things you are proud of this year — it helps steer the conversation.')],
    ]);
    const fact0: OwnFact = { intro, question: r.pick(['Who is my manager now?', "What's my current boss called?"]), answer: m1, values: [m1, m2] };
    if (!update) return fact0;
    const says: Exchange = [fact(`${m1} has left the company, so ${m2} is my manager now. First one-to-one next week.`), a('A new manager is a good chance to reset expectations. Good luck!')];
    return { ...fact0, update: { says, answer: m2 } };
  },
  other(r, avoid) {
    const m = pickOther(r, MANAGERS, (x) => x, avoid);
    return {
      says: [u(`${cap(otherPerson(r))} has a new boss called ${m} who sounds like a nightmare.`), a('Hopefully it settles down once they get to know each other.')],
      trap: "What's my manager's name?",
    };
  },
};

export const CHANGING_KINDS: readonly FactKind[] = [city, job, phone, exercise, car, diet, drink, commute, manager];
