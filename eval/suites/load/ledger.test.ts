import { describe, expect, it } from 'vitest';
import { reconcile, type ClientTurn, type StoredMessage } from './ledger';

const turn = (p: Partial<ClientTurn> & { message: string }): ClientTurn => ({ acknowledged: true, ok: true, text: '', sessionId: 's1', ...p });
const row = (p: Partial<StoredMessage> & { id: string }): StoredMessage => ({ sessionId: 's1', role: 'assistant', content: '', status: 'complete', ...p });

describe('reconcile', () => {
  it('finds nothing lost when every acknowledged message and confirmed answer is stored', () => {
    const turns = [turn({ message: 'hi', assistantId: 'a1', text: 'hello' }), turn({ message: 'again', assistantId: 'a2', ok: false, text: 'hel' }), turn({ message: 'refused', acknowledged: false, ok: false, sessionId: undefined })];
    const rows = [row({ id: 'u1', role: 'user', content: 'hi' }), row({ id: 'a1', content: 'hello' }), row({ id: 'u2', role: 'user', content: 'again' }), row({ id: 'a2', content: 'hel', status: 'error' })];
    expect(reconcile(turns, rows)).toEqual({
      sessionsChecked: 1, acknowledged: 2, userLost: 0, confirmed: 1, assistantLost: 0, assistantMismatch: 0, messagesLost: 0,
      clientErrorsAfterAck: 1, clientErrorsBeforeAck: 1, storedComplete: 1, storedError: 1, storedPartial: 0, errorWithoutRow: 0, unexplainedErrorRows: 0, storedWithoutAck: 0,
    });
  });

  it('counts lost user messages, lost answers and mismatches', () => {
    const turns = [
      turn({ message: 'a', assistantId: 'a1', text: 'x' }), // user row missing
      turn({ message: 'b', assistantId: 'a2', text: 'y' }), // answer row missing
      turn({ message: 'c', assistantId: 'a3', text: 'z' }), // answer stored with other content
      turn({ message: 'd', assistantId: 'a4', text: 'w', sessionId: 's2' }), // user row in another session only
    ];
    const rows = [
      row({ id: 'u2', role: 'user', content: 'b' }),
      row({ id: 'u3', role: 'user', content: 'c' }),
      row({ id: 'u4', role: 'user', content: 'd' }),
      row({ id: 'a1', content: 'x' }),
      row({ id: 'a3', content: 'zz' }),
      row({ id: 'a4', content: 'w', sessionId: 's2' }),
    ];
    const l = reconcile(turns, rows);
    expect(l).toMatchObject({ acknowledged: 4, userLost: 2, confirmed: 4, assistantLost: 1, assistantMismatch: 1, messagesLost: 3, sessionsChecked: 2 });
  });

  it('matches error rows with client-seen errors', () => {
    const turns = [turn({ message: 'a', assistantId: 'a1', ok: false }), turn({ message: 'b', assistantId: 'a2', ok: false })];
    const rows = [row({ id: 'u1', role: 'user', content: 'a' }), row({ id: 'u2', role: 'user', content: 'b' }), row({ id: 'a1', status: 'partial' }), row({ id: 'a9', status: 'error' })];
    // a2 has no row; a9 is an error row no client saw fail
    expect(reconcile(turns, rows)).toMatchObject({ clientErrorsAfterAck: 2, errorWithoutRow: 1, storedPartial: 1, storedError: 1, unexplainedErrorRows: 1, messagesLost: 0 });
  });

  it('counts user messages stored for requests refused before the acknowledgement', () => {
    const turns = [turn({ message: 'a', acknowledged: false, ok: false }), turn({ message: 'b', acknowledged: false, ok: false })];
    expect(reconcile(turns, [row({ id: 'u1', role: 'user', content: 'a' })])).toMatchObject({ clientErrorsBeforeAck: 2, storedWithoutAck: 1, acknowledged: 0, messagesLost: 0 });
  });
});
