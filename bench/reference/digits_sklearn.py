"""scikit-learn's MLPClassifier on the bundled digits: the reference figure of test/digits.test.ts.

Not run in CI (it needs Python and scikit-learn); its output is recorded in
test/reference/digits-sklearn.json. To re-run it:

    python3 -m venv /tmp/skl && /tmp/skl/bin/pip install scikit-learn==1.9.1
    /tmp/skl/bin/python bench/reference/digits_sklearn.py          # from the repository's root

The split, the scaling and the training are ones that minibatch expresses exactly:
- split: the first 1347 rows of data/digits.csv train, the last 450 are held out (no shuffle, so
  the TypeScript test reproduces it without an index list);
- StandardScaler fitted on the training rows only (population standard deviation; a constant
  column is left unscaled, as scikit-learn does), applied to both parts;
- MLPClassifier(hidden_layer_sizes=(64,), activation='relu', solver='sgd', momentum=0,
  nesterovs_momentum=False, learning_rate='constant', learning_rate_init=0.05, batch_size=32,
  max_iter=50, alpha=0, tol=0, n_iter_no_change=10**6, early_stopping=False, shuffle=True):
  plain SGD on the mean gradient of batches of 32 rows (the last short batch kept), rows
  reshuffled every epoch, 50 epochs, softmax cross-entropy; no stopping rule fires. minibatch's
  fit options: optimizer 'sgd', learningRate 0.05, batchSize 32, maxEpochs 50, tolerance null,
  l2 0. alpha = 0 because the two L2 terms are scaled differently (scikit-learn adds
  alpha/(2·batch rows)·‖W‖² to a batch's mean loss, minibatch l2/2·‖W‖²), and 0 is 0 in both.
- Initialization: scikit-learn draws the weights and the intercepts from Glorot's uniform
  U(±√(6/(fan_in + fan_out))) (for every activation but logistic); minibatch's init 'glorot' draws
  the weights the same way and sets the intercepts to 0 (Keras' default).
The figure is the held-out accuracy over random_state 0..19 (the seed of the initialization
and of the shuffles): mean, min and max.
"""
import json
import os
import platform
import sys
import warnings

import numpy as np
import sklearn
from sklearn.exceptions import ConvergenceWarning
from sklearn.neural_network import MLPClassifier
from sklearn.preprocessing import StandardScaler

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
TRAIN_ROWS = 1347
SEEDS = list(range(20))
SETTINGS = dict(
    hidden_layer_sizes=(64,),
    activation='relu',
    solver='sgd',
    momentum=0.0,
    nesterovs_momentum=False,
    learning_rate='constant',
    learning_rate_init=0.05,
    batch_size=32,
    max_iter=50,
    alpha=0.0,
    tol=0.0,
    n_iter_no_change=10**6,
    early_stopping=False,
    shuffle=True,
)

def main():
    warnings.simplefilter('ignore', ConvergenceWarning)  # max_iter is the stopping rule here
    table = np.loadtxt(os.path.join(ROOT, 'data/digits.csv'), delimiter=',', skiprows=1)
    X, y = table[:, :64], table[:, 64].astype(int)
    assert X.shape == (1797, 64)
    scaler = StandardScaler().fit(X[:TRAIN_ROWS])
    X_train, X_test = scaler.transform(X[:TRAIN_ROWS]), scaler.transform(X[TRAIN_ROWS:])
    y_train, y_test = y[:TRAIN_ROWS], y[TRAIN_ROWS:]
    runs = []
    for seed in SEEDS:
        model = MLPClassifier(random_state=seed, **SETTINGS).fit(X_train, y_train)
        assert model.n_iter_ == SETTINGS['max_iter']
        runs.append({'randomState': seed, 'accuracy': float(model.score(X_test, y_test)), 'trainingLoss': float(model.loss_)})
        print(f"random_state {seed:2d}: held-out accuracy {runs[-1]['accuracy']:.4f}, training loss {runs[-1]['trainingLoss']:.5f}", file=sys.stderr)
    acc = [r['accuracy'] for r in runs]
    out = {
        'what': "scikit-learn's MLPClassifier on data/digits.csv: held-out accuracy over random_state 0..19",
        'origin': 'bench/reference/digits_sklearn.py, run with the versions below',
        'sklearn': sklearn.__version__,
        'numpy': np.__version__,
        'python': platform.python_version(),
        'split': {'trainRows': [0, TRAIN_ROWS], 'testRows': [TRAIN_ROWS, len(y)], 'note': 'rows in file order; the last 450 are held out'},
        'scaling': 'StandardScaler fitted on the training rows (population std; constant columns unscaled)',
        'settings': {k: (list(v) if isinstance(v, tuple) else v) for k, v in SETTINGS.items()},
        'minibatch': {
            'model': "new MLPClassifier({ hiddenLayers: [64], activation: 'relu', l2: 0, standardize: false })",
            'fit': {'optimizer': 'sgd', 'learningRate': 0.05, 'batchSize': 32, 'maxEpochs': 50, 'tolerance': None, 'init': 'glorot'},
            'note': 'alpha = 0 and l2 = 0: the L2 terms are scaled differently (scikit-learn alpha/(2·batch rows)·‖W‖² on the batch mean loss, minibatch l2/2·‖W‖²); scikit-learn also draws the intercepts from the Glorot range, minibatch sets them to 0',
        },
        'accuracy': {'mean': float(np.mean(acc)), 'min': float(np.min(acc)), 'max': float(np.max(acc)), 'std': float(np.std(acc))},
        'trainingLoss': {'mean': float(np.mean([r['trainingLoss'] for r in runs]))},
        'runs': runs,
    }
    path = os.path.join(ROOT, 'test/reference/digits-sklearn.json')
    with open(path, 'w') as f:
        json.dump(out, f, indent=1)
        f.write('\n')
    a = out['accuracy']
    print(f"held-out accuracy over {len(SEEDS)} random_states: mean {a['mean']:.4f}, min {a['min']:.4f}, max {a['max']:.4f}; wrote {os.path.relpath(path, ROOT)}")

if __name__ == '__main__':
    main()
