// Preloaded (--require) to run as Node 20 releases before 20.16 do: without process.getBuiltinModule.
delete process.getBuiltinModule;
if (process.getBuiltinModule !== undefined) throw new Error('process.getBuiltinModule is still there');
