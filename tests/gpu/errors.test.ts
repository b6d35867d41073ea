// GPU faults on a real device (Dawn): errors raised inside allocateInScope are captured and
// typed, an error outside any scope reaches watchDevice, and destroying the device reports a
// loss with reason 'destroyed'. Each test opens its own device, since it breaks it on purpose.
import { describe, expect, it } from 'vitest';
import { allocateInScope, describeFault, GpuOutOfMemoryError, GpuValidationError, watchDevice, type GpuFault } from '../../src/gpu/errors';
import { createNodeGpu } from '../../src/gpu/node';

/** Lets Dawn deliver pending events (uncaptured errors, device loss). */
async function settle(device: GPUDevice): Promise<void> {
  for (let i = 0; i < 5; i++) {
    await device.queue.onSubmittedWorkDone().catch(() => undefined);
    await new Promise((r) => setTimeout(r, 10));
  }
}

describe('GPU error scopes and device faults', () => {
  it('captures a validation error of an allocation and types it; a valid allocation passes', async () => {
    const node = await createNodeGpu('Test.errors.scope');
    const { device } = node;
    const faults: GpuFault[] = [];
    const stop = watchDevice(device, (f) => faults.push(f));
    const ok = await allocateInScope(device, { label: 'Test.ok', bytes: 64 }, () => device.createBuffer({ label: 'Test.ok', size: 64, usage: GPUBufferUsage.STORAGE }));
    expect(ok.size).toBe(64);
    const tooBig = device.limits.maxBufferSize + 4;
    const bad = allocateInScope(device, { label: 'Test.tooBig', bytes: tooBig }, () =>
      device.createBuffer({ label: 'Test.tooBig', size: tooBig, usage: GPUBufferUsage.STORAGE }),
    );
    await expect(bad).rejects.toBeInstanceOf(GpuValidationError);
    await expect(bad).rejects.toThrow(/^invalid GPU allocation of Test\.tooBig: /);
    // MAP_READ may only go with COPY_DST: a validation error too, and nothing escapes the scope.
    await expect(
      allocateInScope(device, 'Test.badUsage', () => device.createBuffer({ label: 'Test.badUsage', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE })),
    ).rejects.toThrow(/invalid GPU allocation of Test\.badUsage/);
    // A throw inside still pops both scopes: the next error is uncaptured, not swallowed by a stale scope.
    await expect(allocateInScope(device, 'Test.throws', () => {
      throw new Error('builder refused');
    })).rejects.toThrow('builder refused');
    await settle(device);
    expect(faults).toEqual([]);
    device.createBuffer({ label: 'Test.unscoped', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    await settle(device);
    expect(faults).toHaveLength(1);
    expect(faults[0]).toMatchObject({ kind: 'uncaptured-error', errorType: 'validation' });
    stop();
    node.close();
  });

  it('forwards an uncaptured validation error and then the loss of a destroyed device', async () => {
    const node = await createNodeGpu('Test.errors.lost');
    const { device } = node;
    const faults: GpuFault[] = [];
    watchDevice(device, (f) => faults.push(f));
    const encoder = device.createCommandEncoder({ label: 'Test.encoder' });
    const src = device.createBuffer({ label: 'Test.src', size: 16, usage: GPUBufferUsage.STORAGE });
    const dst = device.createBuffer({ label: 'Test.dst', size: 16, usage: GPUBufferUsage.COPY_DST });
    encoder.copyBufferToBuffer(src, 0, dst, 0, 16); // src lacks COPY_SRC: finish() fails validation
    encoder.finish();
    await settle(device);
    expect(faults.map((f) => f.kind)).toEqual(['uncaptured-error']);
    expect(faults[0]).toMatchObject({ errorType: 'validation' });
    expect(faults[0].message).toMatch(/Test\.src/);
    device.destroy();
    await device.lost;
    await settle(device);
    expect(faults).toHaveLength(2);
    expect(faults[1]).toMatchObject({ kind: 'device-lost', reason: 'destroyed' });
    expect(describeFault(faults[1])).toMatch(/^The GPU stopped: the device was destroyed/);
  });

  it('stops forwarding once unsubscribed', async () => {
    const node = await createNodeGpu('Test.errors.stop');
    const { device } = node;
    const faults: GpuFault[] = [];
    const stop = watchDevice(device, (f) => faults.push(f));
    stop();
    device.createBuffer({ label: 'Test.ignored', size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.STORAGE });
    device.destroy();
    await device.lost;
    await settle(device);
    expect(faults).toEqual([]);
  });

  it('reports an out-of-memory scope error as such, with what was allocated and its size', async () => {
    // A real OOM cannot be provoked reliably on a CPU adapter; this device answers the scopes as
    // a driver out of memory would: the out-of-memory scope holds an error.
    const popped: (GPUError | null)[] = [null, { message: 'Not enough memory left.' } as GPUError];
    const fake = {
      pushErrorScope: () => undefined,
      popErrorScope: async () => popped.shift() ?? null,
    } as unknown as GPUDevice;
    const p = allocateInScope(fake, { label: 'RunA.model', bytes: 12 * 1024 ** 2 }, () => 1);
    await expect(p).rejects.toBeInstanceOf(GpuOutOfMemoryError);
    await expect(p).rejects.toThrow('out of GPU memory while allocating RunA.model (12.0 MiB): Not enough memory left.');
    expect(popped).toEqual([]);
  });
});
