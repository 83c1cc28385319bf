import { balloonActivity } from './driver-activity';

describe('M22 balloon activity', () => {
  it.each([
    [{}, { inflated: 0, deflated: 0, migrated: 0 }],
    [{ balloon_inflate: 512, balloon_deflate: 256, balloon_migrate: 17, compact_stall: 3 }, { inflated: 512, deflated: 256, migrated: 17 }],
  ])('reads the balloon_* vm events from %j', (counters, expected) => {
    expect(balloonActivity(counters)).toEqual(expected);
  });
});
